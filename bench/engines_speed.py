"""Articles per second through Ray Data's `map_batches` at 1 and 2 workers, against
`ThemeClassifier.predict` in one process, on the same articles and model.

The articles are made of the project's annotated articles' sentences drawn at random (so no
two are alike), written as JSON Lines; Ray reads them, tags them with the README's `Tagger`
class and writes Parquet, as the README's block does. Ray's start-up is not counted. Ray is
given one logical CPU more than the workers, for reading and writing: with all of them held by
workers, Ray Data waits forever.

Run: python bench/engines_speed.py [--model model/e5-tema] [--articles 400] [--workers 1 2]
"""

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

import ray

from tematik import ThemeClassifier
from tematik.annotations import load_annotations
from tematik.evidence import sentences
from tematik.schema import load_schema


class Tagger:
    def __init__(self, model: str):
        self.classifier = ThemeClassifier.from_pretrained(model)

    def __call__(self, batch):
        return self.classifier(batch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="model/e5-tema")
    parser.add_argument("--articles", type=int, default=400)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    texts = generated_articles(args.articles)
    start = time.perf_counter()
    ThemeClassifier.from_pretrained(args.model).predict(texts)
    alone = time.perf_counter() - start
    rate = args.articles / alone
    print(f"{args.articles} articles; ThemeClassifier.predict, one process: {rate:.1f} articles/s")
    # One logical CPU more than the workers take, for the tasks that read and write: with every
    # CPU held by a Tagger, Ray Data waits forever for one to read with.
    ray.init(num_cpus=max(args.workers) + 1, include_dashboard=False, log_to_driver=False)
    with tempfile.TemporaryDirectory() as work:
        source = Path(work) / "articles"
        source.mkdir()
        (source / "generated.jsonl").write_text(
            "".join(json.dumps({"id": f"g{n}", "text": t}) + "\n" for n, t in enumerate(texts)),
            encoding="utf-8",
        )
        for workers in args.workers:
            start = time.perf_counter()
            ray.data.read_json(str(source)).map_batches(
                Tagger, fn_constructor_args=(args.model,), batch_size=64, concurrency=workers
            ).write_parquet(str(Path(work) / f"tagged-{workers}"))
            seconds = time.perf_counter() - start
            rate = args.articles / seconds
            print(f"Ray Data, {workers} worker(s): {rate:.1f} articles/s ({seconds:.0f} s)")


def generated_articles(count: int) -> list[str]:
    """Articles of 8 to 20 sentences drawn from the project's annotated articles."""
    records = load_annotations(["labels/authored.jsonl"], load_schema())
    pool = [s.text for r in records[:200] for s in sentences(r.text)]
    draw = random.Random(0)
    return [" ".join(draw.sample(pool, draw.randint(8, 20))) for _ in range(count)]


if __name__ == "__main__":
    main()
