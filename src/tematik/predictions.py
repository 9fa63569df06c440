"""A model's scores for a batch of articles and the themes its thresholds assign: the one place
where a threshold turns a score into a theme."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any, overload

import numpy as np

from tematik.evidence import Evidence
from tematik.suggestions import confidence


def sigmoid(logits: np.ndarray) -> np.ndarray:
    """Scores (0 to 1) of logits."""
    return 1 / (1 + np.exp(-np.asarray(logits)))


@dataclass(frozen=True)
class Prediction:
    """The themes assigned to one article and every theme's score (0 to 1)."""

    labels: list[str]
    scores: dict[str, float]
    evidence: dict[str, Evidence] | None = None
    """For each theme in `labels`, the passage that carries it (with `explain=True`)."""

    def to_dict(self) -> dict[str, Any]:
        row: dict[str, Any] = {"labels": self.labels, "scores": self.scores}
        if self.evidence is not None:
            row["evidence"] = {theme: e.to_dict() for theme, e in self.evidence.items()}
        return row


@dataclass(frozen=True, eq=False)
class Predictions(Sequence[Prediction]):
    """Scores (articles × themes), one threshold per theme, and the decisions they make.

    A sequence of `Prediction`, one per article in input order, so that
    `classifier.predict(texts)[0].labels` reads as before.
    """

    labels: tuple[str, ...]
    scores: np.ndarray
    thresholds: np.ndarray
    ids: tuple[str, ...]
    """The articles' ids (their positions, counted from 0, where none were given)."""
    evidence: tuple[dict[str, Evidence], ...] | None = None
    """Per article, the passage that carries each of its themes (when explained)."""

    @classmethod
    def of(
        cls,
        scores: np.ndarray,
        labels: Sequence[str],
        thresholds: np.ndarray | Sequence[float],
        ids: Sequence[str] | None = None,
        evidence: Sequence[dict[str, Evidence]] | None = None,
    ) -> Predictions:
        scores = np.asarray(scores, dtype=np.float32).reshape(-1, len(labels))
        ids = tuple(map(str, range(len(scores)))) if ids is None else tuple(ids)
        thresholds = np.asarray(thresholds, dtype=np.float64)
        evidence = None if evidence is None else tuple(evidence)
        return cls(tuple(labels), scores, thresholds, ids, evidence)

    @cached_property
    def decisions(self) -> np.ndarray:
        """True where an article carries a theme: its score reaches the theme's threshold."""
        return self.scores >= self.thresholds

    def themes(self, row: int) -> list[str]:
        return [label for label, on in zip(self.labels, self.decisions[row], strict=True) if on]

    def confidence(self) -> np.ndarray:
        """Per article, the chance that all its theme decisions are right (see suggestions)."""
        return confidence(self.scores, self.thresholds)

    @property
    def thresholds_by_theme(self) -> dict[str, float]:
        return dict(zip(self.labels, map(float, self.thresholds), strict=True))

    def with_thresholds(self, thresholds: float | np.ndarray | Sequence[float]) -> Predictions:
        """The same scores decided by other thresholds (one for all themes, or one each), without
        evidence: it was cited for the themes the old thresholds gave."""
        every = np.broadcast_to(np.asarray(thresholds, dtype=np.float64), (len(self.labels),))
        return replace(self, thresholds=every.copy(), evidence=None)

    def with_evidence(self, evidence: Sequence[dict[str, Evidence]]) -> Predictions:
        """The same predictions with, per article, the passage behind each theme."""
        return replace(self, evidence=tuple(evidence))

    def select(self, rows: Sequence[int]) -> Predictions:
        """The predictions of the articles at `rows`, in that order."""
        rows = list(rows)
        evidence = None if self.evidence is None else tuple(self.evidence[i] for i in rows)
        return replace(
            self, scores=self.scores[rows], ids=tuple(self.ids[i] for i in rows), evidence=evidence
        )

    def __len__(self) -> int:
        return len(self.scores)

    @overload
    def __getitem__(self, row: int) -> Prediction: ...
    @overload
    def __getitem__(self, row: slice) -> Predictions: ...
    def __getitem__(self, row: int | slice) -> Prediction | Predictions:
        if isinstance(row, slice):
            return self.select(range(len(self))[row])
        scores = self.scores[row]
        return Prediction(
            labels=self.themes(row),
            scores={label: float(s) for label, s in zip(self.labels, scores, strict=True)},
            evidence=None if self.evidence is None else self.evidence[row],
        )
