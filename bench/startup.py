"""Start-up: how fast `tematik --help` answers (and that the CLI's start-up imports neither torch
nor transformers), and `tematik classify` of one seed article end to end, model load included.

Run: python bench/startup.py [--runs N] [--model model/minilm-tema]
"""

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--model", default="model/minilm-tema")
    args = parser.parse_args()
    tematik = shutil.which("tematik") or "tematik"
    report("tematik --help", [tematik, "--help"], args.runs)
    probe = "import sys, tematik.cli; print(sorted({'torch', 'transformers'} & set(sys.modules)))"
    heavy = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    print(f"heavy modules imported by the CLI at start-up: {heavy.stdout.strip()}")
    seed = sorted(Path("seeds").glob("*.txt"))[0]
    report(
        f"tematik classify {seed} (model {args.model})",
        [tematik, "classify", "--model", args.model, str(seed)],
        max(3, args.runs // 3),
    )


def report(name: str, command: list[str], runs: int) -> None:
    """Median and worst wall time of `command` over `runs` runs, after one to warm the caches."""
    subprocess.run(command, capture_output=True, check=True)
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        timings.append(time.perf_counter() - started)
    print(
        f"{name}: median {statistics.median(timings):.2f} s, max {max(timings):.2f} s, {runs} runs"
    )


if __name__ == "__main__":
    main()
