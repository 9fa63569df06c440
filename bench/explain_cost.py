"""What `classify --explain` costs: `ThemeClassifier.predict` with and without evidence.

Scores the same articles both ways, several times over, and prints the median wall time of
each and their ratio (the target is at most 2). Evidence is asked for only where an article
carries a theme, as `classify --explain` does.

Run: python bench/explain_cost.py [--model model/e5-tema] [--data ../shared/corpus/dev.jsonl]
     [--repeats 3] [--fp32]
"""

import argparse
import statistics
import time

from tematik import ThemeClassifier
from tematik.annotations import load_annotations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="model/e5-tema")
    parser.add_argument("--data", nargs="+", default=["../shared/corpus/dev.jsonl"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--fp32", action="store_true", help="score with PyTorch in fp32")
    args = parser.parse_args()
    classifier = ThemeClassifier.from_pretrained(args.model, int8=not args.fp32)
    texts = [r.text for r in load_annotations(args.data, classifier.schema)]
    classifier.predict(texts[:8], explain=True)  # warm up: first calls allocate
    plain, explained = [], []
    for _ in range(args.repeats):
        plain.append(_timed(lambda: classifier.predict(texts)))
        explained.append(_timed(lambda: classifier.predict(texts, explain=True)))
    carried = sum(bool(p.labels) for p in classifier.predict(texts))
    a, b = statistics.median(plain), statistics.median(explained)
    print(
        f"{args.model}{' --fp32' if args.fp32 else ''}: {len(texts)} articles "
        f"({carried} carry a theme), median of {args.repeats}"
    )
    print(f"  classify            {a:6.1f} s  ({len(texts) / a:.1f} articles/s)")
    print(f"  classify --explain  {b:6.1f} s  ({len(texts) / b:.1f} articles/s)")
    print(f"  ratio               {b / a:6.2f}  (runs: {_listed(plain)} / {_listed(explained)})")


def _timed(call) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def _listed(times: list[float]) -> str:
    return ", ".join(f"{t:.1f}" for t in times)


if __name__ == "__main__":
    main()
