"""Wall time of ``btcsim evaluate`` with its default settings on the real history (prints figures).

Run: python benchmarks/bench_evaluate.py [--repeats 3] [--backend serial threads processes]

Each repeat runs ``btcsim evaluate ../shared/data/btc_daily.csv`` (121 origins
2016-01-01..2025-11-09 every 30 days, 5 price and 3 network models plus the
baseline scenario and the naive benchmark, horizons 30/90/365 days, 1,000
paths, 4-year windows) in a fresh process, writing to a temporary folder, and
prints the wall time (the median when repeated) with the 1-minute load average
before and after, since the machine may be shared. Not a test: it prints, it
does not assert.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HISTORY = ROOT.parent / "shared" / "data" / "btc_daily.csv"


def _one(backend: str, out: Path) -> float:
    command = [sys.executable, "-c", "from cli import main; main()", "evaluate", str(HISTORY)]
    command += ["--out", str(out), "--quiet"]
    command += [] if backend == "default" else ["--backend", backend]
    began = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return time.perf_counter() - began


def main() -> None:
    """Time the default run once per repeat and backend."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument(
        "--backend", nargs="+", default=["default"], help="default: the command's own (threads)"
    )
    args = parser.parse_args()
    if not HISTORY.is_file():
        sys.exit(f"no history at {HISTORY}")
    print(f"{'backend':>10} {'repeats':>8} {'median s':>9} {'min s':>7} {'load before':>12} "
          f"{'load after':>11}")  # fmt: skip
    for backend in args.backend:
        load_before = os.getloadavg()[0]
        times = []
        with tempfile.TemporaryDirectory() as tmp:
            for i in range(args.repeats):
                times.append(_one(backend, Path(tmp) / f"run{i}"))
        load_after = os.getloadavg()[0]
        print(
            f"{backend:>10} {args.repeats:>8} {statistics.median(times):>9.1f} {min(times):>7.1f} "
            f"{load_before:>12.2f} {load_after:>11.2f}"
        )
    print(f"cpus: {os.cpu_count()}")


if __name__ == "__main__":
    main()
