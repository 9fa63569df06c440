"""Run-to-run spread of a recipe: train it with several seeds on all annotations, score each run.

Each seed trains the full recipe (its own validation split, early stopping and thresholds) and
is scored on `--test` at article level, with the tuned thresholds and with every threshold at
0.5. Runs go in parallel processes (`--workers`), which pays on a GPU. Use it to see how far a
single run's figure can be trusted; choose settings with `bench/cross_validate.py`.

Run: python bench/seed_sweep.py train/offline.yaml --seeds 1 2 3 [--set epochs=4 ...]
"""

import argparse
import multiprocessing
import statistics
import tempfile
from pathlib import Path

from tematik.annotations import load_annotations
from tematik.evaluation import evaluate
from tematik.metrics import DEFAULT_THRESHOLD
from tematik.modeling import ThemeClassifier
from tematik.recipe import load_recipe
from tematik.schema import load_schema
from tematik.trainer import train


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("recipe")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--set", nargs="*", default=[], help="recipe overrides, field=value")
    parser.add_argument("--test", nargs="+", default=["../shared/corpus/dev.jsonl"])
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    jobs = [(args.recipe, [*args.set, f"seed={seed}"], args.test) for seed in args.seeds]
    with multiprocessing.get_context("spawn").Pool(args.workers) as pool:
        results = pool.starmap(score_one_run, jobs)
    for seed, (tuned, fixed, validation) in zip(args.seeds, results, strict=True):
        print(
            f"seed {seed}: macro-F1 {tuned:.3f} (thresholds at 0.5: {fixed:.3f}), "
            f"validation {validation:.3f}"
        )
    tuned, fixed, validation = (statistics.mean(column) for column in zip(*results, strict=True))
    print(
        f"mean of {len(results)} runs: macro-F1 {tuned:.3f} (thresholds at 0.5: {fixed:.3f}), "
        f"validation {validation:.3f}; --set {' '.join(args.set)}"
    )


def score_one_run(recipe_path: str, settings: list[str], test: list[str]) -> tuple[float, ...]:
    """Test macro-F1 with tuned and with 0.5 thresholds, and validation macro-F1, of one run."""
    recipe = load_recipe(recipe_path, settings)
    schema = load_schema(recipe.schema)
    records = load_annotations(test, schema)
    with tempfile.TemporaryDirectory() as work:
        result = train(recipe.with_overrides(output=str(Path(work) / "model")), progress=False)
        evaluation = evaluate(ThemeClassifier.from_pretrained(result.path), records)
    flat = evaluation.with_thresholds(DEFAULT_THRESHOLD)
    return evaluation.metrics["macro_f1"], flat.metrics["macro_f1"], result.metrics["macro_f1"]


if __name__ == "__main__":
    main()
