"""Article-level metrics (through a local `evaluate` module), threshold tuning, PR curves."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path

import numpy as np

METRIC_PATH = Path(__file__).parent / "multilabel_f1" / "multilabel_f1.py"
DEFAULT_THRESHOLD = 0.5
_CANDIDATE_THRESHOLDS = np.round(np.arange(0.05, 0.951, 0.025), 3)


@cache
def _metric():
    import evaluate

    return evaluate.load(str(METRIC_PATH))


def label_matrix(records: Iterable, labels: list[str]) -> np.ndarray:
    """0/1 annotations (articles × themes, in `labels` order) of annotated records."""
    return np.array(
        [[float(label in r.labels) for label in labels] for r in records], dtype=np.float32
    ).reshape(-1, len(labels))


def article_metrics(predicted: np.ndarray, actual: np.ndarray, label_names: list[str]) -> dict:
    """Micro-, macro-, samples-F1 and per-label scores of 0/1 predictions against annotations."""
    return _metric().compute(
        predictions=np.asarray(predicted, dtype=int).tolist(),
        references=np.asarray(actual, dtype=int).tolist(),
        label_names=label_names,
    )


def f1_summary(metrics: dict) -> str:
    """The averaged F1 scores on one line, as tables print them under the per-theme rows."""
    return (
        f"micro-F1 {metrics['micro_f1']:.3f} · macro-F1 {metrics['macro_f1']:.3f} · "
        f"samples-F1 {metrics['samples_f1']:.3f}"
    )


def all_themes_macro_f1(actual: np.ndarray, label_names: list[str]) -> float:
    """Macro-F1 of marking every theme on every article: what a model of any use must beat."""
    return article_metrics(np.ones_like(actual), actual, label_names)["macro_f1"]


def precision_recall_curve(scores: np.ndarray, actual: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Recall and precision of one theme with each distinct score as threshold, from (0, 1)."""
    order = np.argsort(-np.asarray(scores), kind="stable")
    ranked, positive = np.asarray(scores)[order], np.asarray(actual, dtype=bool)[order]
    last_of_each_score = np.r_[np.flatnonzero(np.diff(ranked)), len(ranked) - 1]
    found = np.cumsum(positive)[last_of_each_score]
    recall = found / max(positive.sum(), 1)
    return np.r_[0.0, recall], np.r_[1.0, found / (last_of_each_score + 1)]


def tune_thresholds(scores: np.ndarray, actual: np.ndarray) -> np.ndarray:
    """One threshold per theme maximising that theme's F1 on validation articles.

    Ties go to the threshold nearest 0.5; a theme with no positive validation article keeps 0.5.
    """
    thresholds = np.full(scores.shape[1], DEFAULT_THRESHOLD)
    for theme in range(scores.shape[1]):
        positives = actual[:, theme].astype(bool)
        if not positives.any():
            continue
        f1 = [_f1(scores[:, theme] >= t, positives) for t in _CANDIDATE_THRESHOLDS]
        best = np.flatnonzero(np.isclose(f1, max(f1)))
        nearest = best[np.argmin(np.abs(_CANDIDATE_THRESHOLDS[best] - DEFAULT_THRESHOLD))]
        thresholds[theme] = _CANDIDATE_THRESHOLDS[nearest]
    return thresholds


def _f1(predicted: np.ndarray, actual: np.ndarray) -> float:
    true_pos = (predicted & actual).sum()
    return 2 * true_pos / max(predicted.sum() + actual.sum(), 1)
