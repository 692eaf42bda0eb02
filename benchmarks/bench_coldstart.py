"""Cold start: the first ``btcsim run`` after installing, kernel cache empty (prints figures).

Run: python benchmarks/bench_coldstart.py [--runs 3] [--paths 500]

Each run is a fresh ``btcsim run --paths N -q`` process with
``NUMBA_CACHE_DIR`` pointing at a new empty folder, so numba compiles the
kernel (and the market models' jitted helpers) from scratch, as on a new
install. Then the same command once more with that cache filled: the
difference is what compiling costs. Prints the median and range of each,
with the 1-minute load average before and after, since the machine may be
shared. Not a test: it prints, it does not assert.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _timed(cache: Path, paths: int, out: Path) -> float:
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache)}
    command = [
        sys.executable, "-c", "from cli import main; main()", "run", "--paths", str(paths),
        "-q", "--out", str(out), "--overwrite",
    ]  # fmt: skip
    began = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
    return time.perf_counter() - began


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--paths", type=int, default=500)
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    cold, warm = [], []
    for _ in range(args.runs):
        folder = Path(tempfile.mkdtemp())
        try:
            cold.append(_timed(folder / "numba", args.paths, folder / "a"))
            warm.append(_timed(folder / "numba", args.paths, folder / "b"))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    print(f"btcsim run --paths {args.paths} (baseline), {args.runs} fresh caches")
    for label, values in (("cold (empty cache)", cold), ("warm (cache filled)", warm)):
        print(
            f"  {label:<20} median {statistics.median(values):5.2f} s  "
            f"[{min(values):.2f} .. {max(values):.2f}]"
        )
    compile_s = [c - w for c, w in zip(cold, warm, strict=True)]
    print(f"  compiling costs    median {statistics.median(compile_s):5.2f} s")
    print(
        f"load average (1 min): {load_before:.2f} before, {os.getloadavg()[0]:.2f} after; 2 cores"
    )


if __name__ == "__main__":
    main()
