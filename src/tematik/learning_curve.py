"""Does labelling more articles still help? A recipe trained on growing, nested, stratified
fractions of the annotations, with several seeds, each run scored on the same held-out articles."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import statistics
import tempfile
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tematik.annotations import Record, load_annotations, write_annotations
from tematik.errors import TematikError
from tematik.figures import figure_grid
from tematik.recipe import Recipe
from tematik.schema import load_schema

if TYPE_CHECKING:
    from matplotlib.figure import Figure

FRACTIONS = (0.25, 0.5, 0.75, 1.0)
HELD_OUT = 0.2
"""Share of the annotations held out to score every run, when no evaluation files are given."""


@dataclass(frozen=True)
class CurvePoint:
    fraction: float
    articles: int
    macro_f1: tuple[float, ...]
    """One figure per seed."""

    @property
    def mean(self) -> float:
        return statistics.mean(self.macro_f1)

    @property
    def spread(self) -> float:
        """The standard deviation between seeds (0 with one seed)."""
        return statistics.pstdev(self.macro_f1)


@dataclass(frozen=True)
class LearningCurve:
    points: tuple[CurvePoint, ...]
    evaluated_on: str
    evaluation_articles: int

    def verdict(self) -> str:
        """One line: what the last step of annotations added, against the spread of seeds."""
        if len(self.points) < 2:
            return f"one fraction only: macro-F1 {self.points[0].mean:.3f}"
        before, last = self.points[-2], self.points[-1]
        gain = last.mean - before.mean
        share = round(100 * (last.fraction - before.fraction))
        spread = max(before.spread, last.spread)
        judged = (
            "more annotations still help"
            if gain > spread
            else "within the spread between seeds: more of the same may not help; label "
            "other articles (tematik suggest)"
        )
        return (
            f"the last {share} % of the annotations ({before.articles} → {last.articles} "
            f"articles) added {gain:+.3f} macro-F1 ({before.mean:.3f} → {last.mean:.3f}, "
            f"spread between seeds ±{spread:.3f}): {judged}"
        )

    def to_dict(self) -> dict:
        return {
            "evaluated_on": self.evaluated_on,
            "evaluation_articles": self.evaluation_articles,
            "points": [asdict(p) | {"mean": p.mean, "spread": p.spread} for p in self.points],
            "verdict": self.verdict(),
        }


def nested_order(records: Sequence[Record], seed: int) -> list[Record]:
    """The records in an order whose every prefix holds about the same share of each label set:
    the first quarter is a stratified quarter, and contains nothing the first half lacks."""
    import random

    groups: dict[tuple[str, ...], list[Record]] = defaultdict(list)
    for record in sorted(records, key=lambda r: r.id):
        groups[tuple(sorted(record.labels))].append(record)
    rng = random.Random(seed)
    keyed = []
    for key in sorted(groups):
        members = groups[key]
        rng.shuffle(members)
        keyed += [((i + 0.5) / len(members), rng.random(), r) for i, r in enumerate(members)]
    return [record for *_, record in sorted(keyed, key=lambda item: item[:2])]


def learning_curve(
    recipe: Recipe,
    fractions: Sequence[float],
    seeds: int,
    evaluation_files: Sequence[str] = (),
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
) -> LearningCurve:
    """Train `recipe` on each fraction of its annotations with `seeds` seeds (1, 2, …) and score
    every run, on `evaluation_files` or else on a held-out stratified fifth of the annotations."""
    from tematik.trainer import split_validation

    fractions = _checked(fractions)
    schema = load_schema(recipe.schema)
    records = load_annotations(recipe.data, schema)
    if evaluation_files:
        pool, held_out = records, load_annotations(evaluation_files, schema)
        evaluated_on = ", ".join(evaluation_files)
    else:
        pool, held_out = split_validation(records, HELD_OUT, recipe.seed)
        evaluated_on = f"a held-out {round(100 * HELD_OUT)} % of the annotations"
    ordered = nested_order(pool, recipe.seed)
    sizes = [max(1, round(f * len(ordered))) for f in fractions]
    with tempfile.TemporaryDirectory(prefix="tematik-learning-curve-") as work:
        jobs = []
        for size in sizes:
            data = Path(work) / f"first-{size}.jsonl"
            write_annotations(ordered[:size], data)
            for seed in range(1, seeds + 1):
                output = str(Path(work) / f"model-{size}-{seed}")
                jobs.append(
                    (recipe.with_overrides(data=[str(data)], output=output, seed=seed), held_out)
                )
        scores = _run_all(jobs, workers, progress)
    points = [
        CurvePoint(fraction, size, tuple(scores[i * seeds : (i + 1) * seeds]))
        for i, (fraction, size) in enumerate(zip(fractions, sizes, strict=True))
    ]
    return LearningCurve(tuple(points), evaluated_on, len(held_out))


def _checked(fractions: Sequence[float]) -> list[float]:
    ordered = sorted(set(fractions))
    if not ordered or ordered[0] <= 0 or ordered[-1] > 1:
        raise TematikError(f"--fractions must lie in (0, 1], e.g. 0.25,0.5,0.75,1, not {fractions}")
    return ordered


def _run_all(
    jobs: list[tuple[Recipe, list[Record]]],
    workers: int,
    progress: Callable[[int], None] | None,
) -> list[float]:
    """Every run's held-out macro-F1, in job order: in this process, or in `workers` processes
    (each on its own GPU where there are several)."""
    if workers <= 1:
        results = []
        for job in jobs:
            results.append(_score_run(*job))
            if progress:
                progress(1)
        return results
    context = multiprocessing.get_context("spawn")
    devices = context.Queue()
    for worker in range(workers):
        devices.put(worker)
    results: dict[int, float] = {}
    with context.Pool(workers, initializer=_claim_device, initargs=(devices,)) as pool:
        for index, score in pool.imap_unordered(_score_indexed, enumerate(jobs)):
            results[index] = score
            if progress:
                progress(1)
    devices.close()
    devices.join_thread()
    return [results[i] for i in range(len(jobs))]


def _claim_device(devices: multiprocessing.Queue) -> None:
    """Give this worker its own GPU when the machine has several (before torch is imported)."""
    worker = devices.get()
    gpus = [g for g in os.environ.get("CUDA_VISIBLE_DEVICES", "").split(",") if g]
    count = len(gpus) or _gpu_count()
    if count > 1:
        os.environ["CUDA_VISIBLE_DEVICES"] = gpus[worker % count] if gpus else str(worker % count)


def _gpu_count() -> int:
    """NVIDIA GPUs present, counted without importing torch (which would fix the device list)."""
    return len(list(Path("/dev").glob("nvidia[0-9]*")))


def _score_indexed(job: tuple[int, tuple[Recipe, list[Record]]]) -> tuple[int, float]:
    index, (recipe, held_out) = job
    return index, _score_run(recipe, held_out)


def _score_run(recipe: Recipe, held_out: list[Record]) -> float:
    """Train one run and return its macro-F1 on the held-out articles."""
    from tematik.evaluation import evaluate
    from tematik.modeling import ThemeClassifier
    from tematik.trainer import train

    result = train(recipe, progress=False)
    try:
        classifier = ThemeClassifier.from_pretrained(result.path)
        return evaluate(classifier, held_out).metrics["macro_f1"]
    finally:
        shutil.rmtree(result.path, ignore_errors=True)  # a base-size model takes a gigabyte


def curve_figure(curve: LearningCurve) -> Figure:
    """Mean held-out macro-F1 against training articles, with the spread between seeds."""
    figure, grid = figure_grid(6, 4, dpi=120)
    axes = grid[0, 0]
    articles = [p.articles for p in curve.points]
    axes.errorbar(
        articles, [p.mean for p in curve.points], yerr=[p.spread for p in curve.points],
        marker="o", capsize=4,
    )  # fmt: skip
    for point in curve.points:
        axes.scatter([point.articles] * len(point.macro_f1), point.macro_f1, s=10, color="grey")
    axes.set_xlabel("training articles")
    axes.set_ylabel("macro-F1, held out")
    axes.set_title(f"Learning curve ({curve.evaluation_articles} held-out articles)")
    axes.grid(alpha=0.3)
    return figure
