"""Which unlabelled articles to label next (active learning), from the classifier's scores.

For article i and theme k, with score p_ik and the theme's threshold t_k, the decision's margin is
its distance to the threshold in logit space,

    d_ik = |logit(p_ik) - logit(t_k)|,   logit(p) = ln(p / (1 - p)),

so that a score of 0.9 is about as far from a threshold of 0.5 as 0.99 is from 0.9. Read as if each
threshold were the point where the model is 50/50, the chance that the decision on theme k is wrong
is its doubt,

    doubt_ik = sigmoid(-d_ik) = 1 / (1 + e^d_ik),

0.5 at the threshold and near 0 far from it. An article's usefulness is the sum over themes,

    usefulness_i = sum_k doubt_ik,

the expected number of its theme decisions that a label would correct (from 0 to half the number of
themes). Summing ranks an article near the thresholds of several themes above one near the
threshold of a single theme. The model's confidence in an article's whole label set (all its
decisions right) is prod_k (1 - doubt_ik).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from tematik.predictions import Predictions

# Scores and thresholds are clipped into (EPSILON, 1 - EPSILON), where the logit is finite.
EPSILON = 1e-6
# A theme is shown as near its threshold when its doubt reaches this (a margin within ln 9, i.e.
# odds within a factor of 9 of the threshold's).
NEAR_DOUBT = 0.1


@dataclass(frozen=True)
class Suggestion:
    """One article worth labelling: its position in the scored input, and why."""

    index: int
    usefulness: float
    near: tuple[str, ...]
    """Themes whose doubt reaches NEAR_DOUBT, nearest first (at least the nearest one)."""


def doubt(scores: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """sigmoid(-|logit(score) - logit(threshold)|) per article and theme (0.5 at the threshold)."""
    margin = np.abs(_logit(scores) - _logit(np.asarray(thresholds)))
    return 1.0 / (1.0 + np.exp(margin))


def confidence(scores: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Chance that all of an article's theme decisions are right: prod_k (1 - doubt_ik)."""
    return np.prod(1.0 - doubt(scores, thresholds), axis=1)


def rank(predictions: Predictions, top: int | None = None) -> list[Suggestion]:
    """Articles by usefulness, most useful first (ties keep input order); the first `top` only."""
    labels = predictions.labels
    doubts = doubt(predictions.scores, predictions.thresholds)
    totals = doubts.sum(axis=1)
    order = np.argsort(-totals, kind="stable")[:top]
    return [
        Suggestion(index=int(i), usefulness=float(totals[i]), near=_near(doubts[i], labels))
        for i in order
    ]


def _near(doubts: np.ndarray, labels: Sequence[str]) -> tuple[str, ...]:
    nearest_first = np.argsort(-doubts, kind="stable")
    near = [k for k in nearest_first if doubts[k] >= NEAR_DOUBT] or [nearest_first[0]]
    return tuple(labels[k] for k in near)


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=np.float64), EPSILON, 1 - EPSILON)
    return np.log(p) - np.log1p(-p)
