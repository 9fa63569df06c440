"""How fast `tematik --help` answers, and that the CLI's start-up imports neither torch nor
transformers. Run: python bench/startup.py [--runs N]"""

import argparse
import shutil
import statistics
import subprocess
import sys
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    runs = parser.parse_args().runs
    command = [shutil.which("tematik") or "tematik", "--help"]
    subprocess.run(command, capture_output=True, check=True)  # warm the file cache
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        timings.append(time.perf_counter() - started)
    probe = "import sys, tematik.cli; print(sorted({'torch', 'transformers'} & set(sys.modules)))"
    heavy = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    print(
        f"tematik --help: median {statistics.median(timings):.3f} s, "
        f"max {max(timings):.3f} s over {runs} runs"
    )
    print(f"heavy modules imported by the CLI at start-up: {heavy.stdout.strip()}")


if __name__ == "__main__":
    main()
