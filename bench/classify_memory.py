"""Streaming: `tematik classify --json FILE.jsonl` on 1,000 and 10,000 articles.

Prints, for each size, the seconds to the first result, the total seconds, and the peak RSS of
the process: with streaming the peak does not grow with the number of articles. The articles are
the seeds and the project's annotations, repeated.

Run: python bench/classify_memory.py [--model model/e5-tema] [--sizes 1000 10000] [--fp32]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from classify_speed import corpus_articles  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="model/e5-tema")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--fp32", action="store_true", help="score with PyTorch in fp32")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        for size in args.sizes:
            articles = Path(work) / f"{size}.jsonl"
            with articles.open("w", encoding="utf-8") as out:
                for number, text in enumerate(corpus_articles(size)):
                    out.write(json.dumps({"id": f"a{number}", "text": text}, ensure_ascii=False))
                    out.write("\n")
            command = [shutil.which("tematik") or "tematik", "classify", "--model", args.model]
            command += ["--json", str(articles)] + (["--fp32"] if args.fp32 else [])
            first, total, peak, lines = run(command)
            print(
                f"{size:6} articles ({articles.stat().st_size / 1e6:.0f} MB): first result after "
                f"{first:.1f} s, all {lines} after {total:.0f} s, peak RSS {peak / 1e9:.2f} GB",
                flush=True,
            )


def run(command: list[str]) -> tuple[float, float, int, int]:
    """Seconds to the first output line, seconds in all, peak RSS in bytes, lines printed."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    first = None
    lines = 0
    for _ in process.stdout:
        first = first or time.perf_counter() - started
        lines += 1
    _, status, usage = os.wait4(process.pid, 0)
    if status:
        raise SystemExit(f"{' '.join(command)} failed with status {status}")
    return first or 0.0, time.perf_counter() - started, usage.ru_maxrss * 1024, lines


if __name__ == "__main__":
    main()
