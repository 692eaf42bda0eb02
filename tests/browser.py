"""Headless Chromium for the browser tests, and ``btcsim app`` served on loopback.

Tests never install system packages: ``.ci/run`` installs Debian's ``chromium``
and ``chromium-driver`` where they are missing, and sets ``$BTCSIM_NO_CHROMIUM``
to the reason when it cannot; a browser test skips with that reason.

Run as a script to regenerate the README's screenshot of the app::

    python tests/browser.py docs/app.png
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

#: Chromium's flags on this machine: headless, as root, and no background traffic
#: (the closed network refuses it), with a fresh profile per run.
CHROMIUM_FLAGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
)  # fmt: skip


def chromium() -> str | None:
    """The Chromium binary on PATH, if any."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def chromedriver() -> str | None:
    """ChromeDriver on PATH (Debian's chromium-driver), if any."""
    return shutil.which("chromedriver")


def missing_browser(driver: bool = False) -> str:
    """Why the browser test cannot run here, or ``""`` when it can."""
    lacking = [name for name, found in (("chromium", chromium()),) if not found]
    if driver and not chromedriver():
        lacking.append("chromium-driver")
    if not lacking:
        return ""
    why = (
        os.environ.get("BTCSIM_NO_CHROMIUM") or ".ci/run installs them; run it, or apt-get install"
    )
    return f"{' and '.join(lacking)} not installed ({why})"


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def app_server(file: str = "scenarios/baseline.toml", timeout: float = 90.0) -> Iterator[str]:
    """Start ``btcsim app FILE --port P`` and yield its address; stop it on exit."""
    port = free_port()
    cmd = [sys.executable, str(Path(__file__).parents[1] / "cli.py"), "app", file]
    proc = subprocess.Popen(
        [*cmd, "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=Path(__file__).parents[1],
    )
    url = f"http://127.0.0.1:{port}"
    try:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"btcsim app exited: {proc.stdout.read() if proc.stdout else ''}"
                )
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.3)
        else:
            raise RuntimeError(f"btcsim app did not listen on {url} within {timeout:g} s")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def chrome(width: int = 1600, height: int = 1200) -> Iterator[Any]:
    """A headless Chromium driven by Selenium through Debian's chromedriver."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = chromium() or "chromium"
    for flag in (*CHROMIUM_FLAGS, f"--window-size={width},{height}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(chromedriver() or "chromedriver"), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(test: Callable[[], Any], timeout: float = 90.0, what: str = "the page") -> Any:
    """Poll ``test`` until it returns something true; raise after ``timeout`` seconds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        got = test()
        if got:
            return got
        time.sleep(0.3)
    raise TimeoutError(f"{what} did not appear within {timeout:g} s")


def type_into(field: Any, text: str) -> None:
    """Replace a field's text and press Enter (Ctrl+A is released before typing)."""
    from selenium.webdriver.common.keys import Keys

    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(Keys.DELETE)
    field.send_keys(text)
    field.send_keys(Keys.ENTER)


def figure_sources(driver: Any) -> list[str]:
    """The ``src`` of every figure the page shows."""
    from selenium.webdriver.common.by import By

    return [
        i.get_attribute("src")
        for i in driver.find_elements(By.CSS_SELECTOR, "[data-testid='stImage'] img")
    ]


def settled(driver: Any, figures: int) -> bool:
    """Whether the page shows ``figures`` figures and no run is going on."""
    source = driver.page_source
    busy = "stSpinner" in source or "stProgress" in source or "running" in driver.title.lower()
    return not busy and len(figure_sources(driver)) >= figures


def run_and_wait(driver: Any, figures: int = 3) -> None:
    """Press Run and wait until the new run's figures replaced the old ones."""
    from selenium.webdriver.common.by import By

    before = set(figure_sources(driver))
    driver.find_element(By.XPATH, "//button[.//p[text()='Run']]").click()
    wait_for(
        lambda: (
            "changed since" not in driver.page_source
            and settled(driver, figures)
            and set(figure_sources(driver)) != before
        ),
        what="the new run's figures",
    )


def screenshot(path: str) -> None:
    """Open the app on the baseline, change the tariff, run, and save a screenshot at ``path``."""
    from selenium.webdriver.common.by import By

    with app_server() as url, chrome(1500, 1900) as driver:
        driver.get(url)
        wait_for(lambda: settled(driver, 3), what="the first run")
        field = driver.find_element(
            By.CSS_SELECTOR, "input[aria-label='mining.pakistan.electricity_usd_per_kwh']"
        )
        type_into(field, "0.1")
        wait_for(lambda: "changed since" in driver.page_source, what="the edit")
        run_and_wait(driver)
        driver.find_element(By.XPATH, "//*[@role='tab'][contains(., 'Figures')]").click()
        time.sleep(1.5)
        driver.execute_script(
            "document.querySelectorAll('[data-testid=\"stMain\"], section.main')"
            ".forEach(e => e.scrollTo(0, 0)); window.scrollTo(0, 0);"
        )
        driver.save_screenshot(path)
    print(f"wrote {path}")


if __name__ == "__main__":
    screenshot(sys.argv[1] if len(sys.argv) > 1 else "docs/app.png")
