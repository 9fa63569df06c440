"""Start-up: how fast `tematik --help` answers (and that the CLI's start-up imports neither torch
nor transformers), `tematik classify` of one seed article end to end, model load included, and
and how the time grows with the articles, in the default int8 runtime (ONNX Runtime) and with
`--fp32` (which loads PyTorch).

Run: python bench/startup.py [--runs N] [--model model/e5-tema] [--counts 1 5 20 50 100 200]
"""

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from classify_speed import corpus_articles  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--model", default="model/e5-tema")
    parser.add_argument("--counts", type=int, nargs="+", default=[1, 5, 20, 50, 100, 200])
    args = parser.parse_args()
    tematik = shutil.which("tematik") or "tematik"
    report("tematik --help", [tematik, "--help"], args.runs)
    probe = "import sys, tematik.cli; print(sorted({'torch', 'transformers'} & set(sys.modules)))"
    heavy = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    print(f"heavy modules imported by the CLI at start-up: {heavy.stdout.strip()}")
    seed = sorted(Path("seeds").glob("*.txt"))[0]
    classify = [tematik, "classify", "--model", args.model]
    report(f"tematik classify {seed} (model {args.model})", [*classify, str(seed)], args.runs // 3)
    with tempfile.TemporaryDirectory() as work:
        for count in args.counts:
            articles = Path(work) / f"{count}.jsonl"
            rows = (json.dumps({"text": text}) for text in corpus_articles(count))
            articles.write_text("\n".join(rows) + "\n", encoding="utf-8")
            for flags in ([], ["--fp32"]):
                name = f"tematik classify {' '.join(flags) or '(default)'} {count} articles"
                report(name, [*classify, *flags, "--json", str(articles)], 3)


def report(name: str, command: list[str], runs: int) -> None:
    """Median and worst wall time of `command` over `runs` runs (at least 3), after one to warm
    the caches."""
    runs = max(3, runs)
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
