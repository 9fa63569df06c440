"""Article-level metrics (through a local `evaluate` module) and precision-recall curves."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path

import numpy as np

METRIC_PATH = Path(__file__).parent / "multilabel_f1" / "multilabel_f1.py"
DEFAULT_THRESHOLD = 0.5


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
