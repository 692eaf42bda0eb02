"""Peak memory of the baseline at 10k, 100k and 1M paths (prints figures; not a test).

Run: python benchmarks/bench_memory.py [--paths 10000 100000 1000000] [--backend threads]

Each size is a fresh ``btcsim run --paths N -q`` process (the baseline,
10 years, monthly output) whose peak resident memory is read from
``ru_maxrss`` of a wrapper process, so the figure is the whole run: loading,
the kernel, percentiles, summary and writing the results. ``percentiles =
"auto"`` keeps every path (exact percentiles) up to 1 GiB of recorded paths
and streams beyond (:mod:`simulator.engine.stream`); ``--also-streamed``
adds a streamed run at each size below that, for comparison. Prints the
wall time too, and the 1-minute load average before and after.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_WRAPPER = """
import resource, subprocess, sys, time
began = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, capture_output=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, time.perf_counter() - began)
"""


def _measure(paths: int, method: str, backend: str, out: Path) -> tuple[float, float]:
    """Peak RSS [GB] and wall time [s] of one ``btcsim run``."""
    command = [
        sys.executable, "-c", "from cli import main; main()", "run", "--paths", str(paths),
        "--backend", backend, "-q", "--out", str(out), "--overwrite",
        "--set", f"scenario.percentiles={method}",
    ]  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-c", _WRAPPER, *command],
        cwd=ROOT, check=True, capture_output=True, text=True,
    )  # fmt: skip
    rss_kib, seconds = done.stdout.split()
    return int(rss_kib) * 1024 / 1e9, float(seconds)


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--backend", default="threads")
    parser.add_argument("--also-streamed", action="store_true")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    print(f"btcsim run (baseline, 10 years, monthly output), backend {args.backend}")
    print(f"  {'paths':>9}  {'percentiles':<9}  {'peak RSS':>9}  {'wall':>7}")
    with tempfile.TemporaryDirectory() as folder:
        for paths in args.paths:
            methods = ["auto", "streamed"] if args.also_streamed and paths < 1_000_000 else ["auto"]
            for method in methods:
                rss, seconds = _measure(paths, method, args.backend, Path(folder) / "out")
                print(f"  {paths:>9,}  {method:<11}  {rss:6.2f} GB  {seconds:6.1f} s", flush=True)
    print(f"load average (1 min): {load_before:.2f} before, {os.getloadavg()[0]:.2f} after")


if __name__ == "__main__":
    main()
