"""K-fold cross-validation of a recipe on the project's own annotations (never the dev corpus).

Each fold trains with `tematik.train` on the other folds (its own validation split, early
stopping and thresholds included) and scores the held-out fold at article level, both with the
thresholds the run tuned and with every threshold at 0.5. Prints the macro-F1 per fold and the
mean, so recipe settings can be compared without touching dev data.

Run: python bench/cross_validate.py train/offline.yaml --folds 5 [--set epochs=4 ...]
"""

import argparse
import json
import random
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
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--set", nargs="*", default=[], help="recipe overrides, field=value")
    args = parser.parse_args()
    recipe = load_recipe(args.recipe, args.set)
    schema = load_schema(recipe.schema)
    records = load_annotations(recipe.data, schema)
    random.Random(recipe.seed).shuffle(records)
    scores: dict[str, list[float]] = {"tuned": [], "0.5": []}
    with tempfile.TemporaryDirectory() as work:
        for fold in range(args.folds):
            held_out = records[fold :: args.folds]
            rest = [r for r in records if r not in held_out]
            data = Path(work) / f"fold{fold}.jsonl"
            data.write_text(
                "".join(
                    json.dumps({"id": r.id, "text": r.text, "labels": list(r.labels)}) + "\n"
                    for r in rest
                ),
                encoding="utf-8",
            )
            output = Path(work) / f"model{fold}"
            train(recipe.with_overrides(data=[str(data)], output=str(output)), progress=False)
            classifier = ThemeClassifier.from_pretrained(output)
            evaluation = evaluate(classifier, held_out)
            flat = evaluation.with_thresholds(DEFAULT_THRESHOLD)
            scores["tuned"].append(evaluation.metrics["macro_f1"])
            scores["0.5"].append(flat.metrics["macro_f1"])
            print(
                f"fold {fold + 1}/{args.folds}: macro-F1 {scores['tuned'][-1]:.3f} "
                f"(thresholds at 0.5: {scores['0.5'][-1]:.3f}) on {len(held_out)} articles, "
                f"thresholds {classifier.settings.thresholds}",
                flush=True,
            )
    for name, values in scores.items():
        print(
            f"thresholds {name}: mean macro-F1 {statistics.mean(values):.3f} "
            f"(sd {statistics.pstdev(values):.3f}) over {args.folds} folds; "
            f"--set {' '.join(args.set)}"
        )


if __name__ == "__main__":
    main()
