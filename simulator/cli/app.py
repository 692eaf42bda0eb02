"""``btcsim app``: the interactive explorer in the browser (a local Streamlit server)."""

from __future__ import annotations

import importlib.util
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from simulator.cli.common import fail, out, user_errors
from simulator.inputs.shipped import BASELINE

__all__ = ["APP_MISSING", "app_cmd", "server_command"]

APP_MISSING = "btcsim app needs Streamlit: pip install -e '.[app]'"
#: Loopback only: the app runs scenario files of this machine for its own user.
HOST = "127.0.0.1"


def server_command(file: str, port: int) -> list[str]:
    """The ``streamlit run`` command line that serves the app's page on loopback."""
    import simulator.app

    page = Path(simulator.app.__file__).with_name("page.py")
    return [
        sys.executable, "-m", "streamlit", "run", str(page),
        f"--server.address={HOST}", f"--server.port={port}", "--server.headless=true",
        "--browser.gatherUsageStats=false", "--client.showErrorDetails=none",
        "--client.toolbarMode=minimal", "--theme.base=light", "--", file,
    ]  # fmt: skip


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def _stop(server: subprocess.Popen[bytes], grace_s: float = 5.0) -> None:
    """Ask the server to stop; kill it if it has not within ``grace_s`` [s].

    Streamlit stops on SIGTERM, but not always promptly while a browser
    session is still attached, and an orphan would keep holding the port.
    """
    server.terminate()
    try:
        server.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def app_cmd(
    file: Annotated[
        Path | None,
        typer.Argument(help="Scenario file to open first (default: scenarios/baseline.toml)."),
    ] = None,
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.", min=1, max=65535)] = 8501,
) -> None:
    """Explore a scenario in the browser: edit inputs, run, compare, download.

    Starts a local web app on 127.0.0.1 and prints its address; Ctrl-C stops
    it. Needs Streamlit: pip install -e '.[app]'.

    Example: btcsim app scenarios/el_salvador_hold.toml --port 8502
    """
    from simulator.inputs.scenario import load_scenario

    if importlib.util.find_spec("streamlit") is None or importlib.util.find_spec("tomli_w") is None:
        fail(APP_MISSING)
    target = str(file) if file is not None else BASELINE.as_posix()
    with user_errors():
        load_scenario(target)  # a bad file stops here, with the CLI's one line
    if not _port_free(port):
        fail(f"--port: {port} is in use on {HOST}; choose another, e.g. --port {port + 1}")
    out.print(f"btcsim app: http://{HOST}:{port}  (Ctrl-C stops it)", markup=False)
    server = subprocess.Popen(server_command(target, port))

    def stop(signum: int, frame: object) -> None:  # `kill` stops the server too
        _stop(server)

    signal.signal(signal.SIGTERM, stop)
    try:
        code = server.wait()
    except KeyboardInterrupt:  # Ctrl-C reaches the server too (same process group)
        _stop(server)
        code = 0
    if code not in (0, -2, -15, 130, 143):
        fail(f"the app's server stopped with exit code {code}")
