"""Start-up time of the command line: median wall time of 10 runs of each command.

Usage: python benchmarks/bench_startup.py [--runs 10]

Each run is a fresh process (``btcsim`` as installed), output discarded. The
target for ``btcsim --help`` is a median under 0.3 s on the project's 2-core
machine; the script prints the load average so a reader can judge the figures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

COMMANDS = (["--help"], ["--version"], ["facts"], ["run", "--help"])


def _time(argv: list[str]) -> float:
    began = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    exe = shutil.which("btcsim")
    if exe is None:
        sys.exit("btcsim is not installed in this environment (pip install -e .)")
    _time([exe, "--help"])  # warm the file cache once
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; {args.runs} runs each")
    print(f"{'command':<22} {'median':>8} {'min':>8} {'max':>8}")
    for cmd in COMMANDS:
        times = [_time([exe, *cmd]) for _ in range(args.runs)]
        name = "btcsim " + " ".join(cmd)
        print(
            f"{name:<22} {statistics.median(times):>7.3f}s {min(times):>7.3f}s {max(times):>7.3f}s"
        )


if __name__ == "__main__":
    main()
