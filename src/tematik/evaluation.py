"""Scoring a model against annotated articles: `evaluate(classifier, records) -> Evaluation`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from tematik.annotations import Record, load_annotations
from tematik.errors import TematikError
from tematik.metrics import article_metrics, label_matrix
from tematik.predictions import Predictions
from tematik.schema import load_schema
from tematik.thresholds import tune_thresholds

if TYPE_CHECKING:
    from tematik.modeling import ThemeClassifier


@dataclass(frozen=True, eq=False)
class Evaluation:
    """Annotated articles, a model's predictions for them, and the metrics of the two."""

    records: tuple[Record, ...]
    predictions: Predictions

    @property
    def labels(self) -> tuple[str, ...]:
        return self.predictions.labels

    @cached_property
    def actual(self) -> np.ndarray:
        """True where an annotation carries a theme (articles × themes)."""
        return label_matrix(self.records, list(self.labels)).astype(bool)

    @cached_property
    def metrics(self) -> dict:
        """Micro-, macro-, samples-F1 and per-theme figures: what `evaluate --json` prints."""
        return article_metrics(self.predictions.decisions, self.actual, list(self.labels))

    @property
    def unmeasured(self) -> list[str]:
        """Themes no article in the data carries: their F1 of 0 is a convention."""
        return [name for name, row in self.metrics["per_label"].items() if not row["support"]]

    def with_thresholds(self, thresholds: float | np.ndarray) -> Evaluation:
        return replace(self, predictions=self.predictions.with_thresholds(thresholds))

    def tuned(self) -> Evaluation:
        """The same scores with each theme's threshold tuned for its F1 on these articles."""
        return self.with_thresholds(tune_thresholds(self.predictions.scores, self.actual))


def evaluate(
    classifier: ThemeClassifier,
    records: Sequence[Record],
    progress: Callable[[int], None] | None = None,
) -> Evaluation:
    """Score annotated articles with the classifier's thresholds; `progress(n)` after each chunk."""
    unknown = sorted({label for r in records for label in r.labels} - set(classifier.labels))
    if unknown:
        model = classifier.path or "the model"
        raise TematikError(
            f"{model}: the model does not know the data's themes {', '.join(unknown)}"
        )
    predictions = classifier.predict(
        [r.text for r in records], ids=[r.id for r in records], progress=progress
    )
    return Evaluation(tuple(records), predictions)


def load_evaluation_data(
    classifier: ThemeClassifier, data: Sequence[str], schema: str | Path
) -> list[Record]:
    """Annotated articles to evaluate on, read with `schema` where it exists, else with the
    schema the model was trained on (a model directory carries its own)."""
    schema = Path(schema)
    return load_annotations(data, load_schema(schema) if schema.exists() else classifier.schema)
