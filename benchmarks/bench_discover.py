"""Wall time of ``btcsim discover`` at the issue's size on the baseline (prints figures).

Run: python benchmarks/bench_discover.py [--samples 2000] [--paths 200] [--years 10]
     [--backend threads] [--repeats 1]

Each repeat runs ``btcsim discover scenarios/baseline.toml --metric
pakistan.margin_usd --below 0`` with the given samples, paths and horizon in
a fresh process (the kernel compiled beforehand by a small run), writing to a
temporary folder, and prints the wall time (the median when repeated) with the
1-minute load average before and after, since the machine may be shared. Not a
test: it prints, it does not assert.
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
BASELINE = ROOT / "scenarios" / "baseline.toml"


def _discover(out: Path, samples: int, paths: int, years: float, backend: str) -> float:
    command = [
        sys.executable, "-c", "from cli import main; main()", "discover", str(BASELINE),
        "--metric", "pakistan.margin_usd", "--below", "0", "--samples", str(samples),
        "--paths", str(paths), "--years", str(years), "--backend", backend,
        "--out", str(out), "--overwrite", "-q",
    ]  # fmt: skip
    began = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True)
    return time.perf_counter() - began


def main() -> None:
    """Warm the kernel cache, then time each repeat in a fresh process."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--paths", type=int, default=200)
    parser.add_argument("--years", type=float, default=10.0)
    parser.add_argument("--backend", default="threads")
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        _discover(Path(tmp) / "warm", 40, 8, 1.0, "serial")  # compile the kernel once
        load_before = os.getloadavg()[0]
        times = [
            _discover(Path(tmp) / f"run{i}", args.samples, args.paths, args.years, args.backend)
            for i in range(args.repeats)
        ]
        load_after = os.getloadavg()[0]
    size = f"{args.samples:,} samples x {args.paths} paths x {args.years:g} years"
    print(
        f"discover {size} ({args.backend}): median {statistics.median(times):.1f} s over "
        f"{len(times)} run(s) [{', '.join(f'{t:.1f}' for t in times)}]; "
        f"load average {load_before:.2f} before, {load_after:.2f} after"
    )


if __name__ == "__main__":
    main()
