"""Each theme's threshold, chosen on scored annotated articles: the rules a team can tune for,
the floor on positives below which a threshold stays where it was, and out-of-fold figures."""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from tematik.errors import TematikError
from tematik.files import staged_directory, write_atomic
from tematik.metrics import DEFAULT_THRESHOLD, article_metrics
from tematik.model_settings import SETTINGS_FILE, ModelSettings, ThresholdRecord

if TYPE_CHECKING:
    from tematik.evaluation import Evaluation

METRICS = ("macro-f1", "micro-f1", "precision-at-recall", "recall-at-precision")
CANDIDATES = np.round(np.arange(0.05, 0.951, 0.025), 3)
"""The thresholds a rule chooses among."""
MIN_POSITIVES = 5
MICRO_F1_ROUNDS = 3


@dataclass(frozen=True)
class ThresholdRule:
    """What the thresholds are tuned for, and how many annotated positives a theme needs before
    its threshold moves (with fewer, it keeps the one it had)."""

    metric: str = "macro-f1"
    target: float | None = None
    """The recall (precision-at-recall) or precision (recall-at-precision) to hold."""
    min_positives: int = MIN_POSITIVES

    def __post_init__(self) -> None:
        if self.metric not in METRICS:
            raise TematikError(f"--metric must be one of {', '.join(METRICS)}, not {self.metric!r}")
        needs_target = "-at-" in self.metric
        if needs_target and self.target is None:
            raise TematikError(f"--metric {self.metric} needs --target, the value to hold (0 to 1)")
        if not needs_target and self.target is not None:
            raise TematikError(f"--metric {self.metric} takes no --target")
        if self.target is not None and not 0 < self.target <= 1:
            raise TematikError(f"--target must lie in (0, 1], not {self.target}")

    def describe(self) -> str:
        if self.metric == "precision-at-recall":
            return f"the best precision with recall at least {self.target}"
        if self.metric == "recall-at-precision":
            return f"the best recall with precision at least {self.target}"
        return {"macro-f1": "each theme's F1 (macro-F1)", "micro-f1": "micro-F1"}[self.metric]


def tune_thresholds(scores: np.ndarray, actual: np.ndarray) -> np.ndarray:
    """One threshold per theme maximising that theme's F1 on the articles.

    Ties go to the threshold nearest 0.5; a theme with no positive article keeps 0.5.
    """
    thresholds = np.full(scores.shape[1], DEFAULT_THRESHOLD)
    for theme in range(scores.shape[1]):
        positives = actual[:, theme].astype(bool)
        if positives.any():
            f1 = [_f1(scores[:, theme] >= t, positives) for t in CANDIDATES]
            thresholds[theme] = _nearest_half(CANDIDATES[np.isclose(f1, max(f1))])
    return thresholds


def choose_thresholds(
    scores: np.ndarray, actual: np.ndarray, current: np.ndarray, rule: ThresholdRule
) -> np.ndarray:
    """Each theme's threshold for `rule` on these articles; `current` where the theme has fewer
    than `rule.min_positives` positives, or no threshold meets the rule's target."""
    actual = np.asarray(actual, dtype=bool)
    if rule.metric in ("macro-f1", "micro-f1"):
        chosen = tune_thresholds(scores, actual)
        if rule.metric == "micro-f1":
            chosen = _micro_f1(scores, actual, chosen)
    else:
        chosen = np.array(
            [
                _at_target(scores[:, k], actual[:, k], rule, current[k])
                for k in range(actual.shape[1])
            ]
        )
    return np.where(actual.sum(axis=0) < rule.min_positives, current, chosen)


def out_of_fold_decisions(
    scores: np.ndarray, actual: np.ndarray, current: np.ndarray, rule: ThresholdRule, folds: int
) -> np.ndarray:
    """Decisions (articles × themes) where each fold's articles are decided by thresholds
    chosen on the other folds: what the rule would score on articles it did not see."""
    from sklearn.model_selection import KFold

    check_folds(folds, len(scores))
    decisions = np.zeros(scores.shape, dtype=bool)
    for train, held_out in KFold(folds, shuffle=True, random_state=0).split(scores):
        thresholds = choose_thresholds(scores[train], actual[train], current, rule)
        decisions[held_out] = scores[held_out] >= thresholds
    return decisions


def check_folds(folds: int, articles: int) -> None:
    """Refuse a fold count that cross-validation over `articles` cannot use."""
    if not 2 <= folds <= articles:
        raise TematikError(f"--cv needs between 2 and {articles} folds here, not {folds}")


@dataclass(frozen=True)
class Retuning:
    """Thresholds tuned on annotated articles: the figures before and after, the themes that
    kept their threshold for want of positives, and the out-of-fold figures if asked."""

    before: Evaluation
    after: Evaluation
    rule: ThresholdRule
    kept: tuple[str, ...]
    out_of_fold: dict | None
    folds: int | None


def retune(evaluation: Evaluation, rule: ThresholdRule, folds: int | None = None) -> Retuning:
    """New thresholds for the evaluated model, chosen by `rule` on the evaluated articles."""
    scores, actual = evaluation.predictions.scores, evaluation.actual
    current = evaluation.predictions.thresholds
    chosen = choose_thresholds(scores, actual, current, rule)
    few = actual.sum(axis=0) < rule.min_positives
    out_of_fold = None
    if folds:
        decisions = out_of_fold_decisions(scores, actual, current, rule, folds)
        out_of_fold = article_metrics(decisions, actual, list(evaluation.labels))
    kept = tuple(label for label, too_few in zip(evaluation.labels, few, strict=True) if too_few)
    return Retuning(evaluation, evaluation.with_thresholds(chosen), rule, kept, out_of_fold, folds)


def _f1(predicted: np.ndarray, actual: np.ndarray) -> float:
    true_pos = (predicted & actual).sum()
    return 2 * true_pos / max(predicted.sum() + actual.sum(), 1)


def _nearest_half(thresholds: np.ndarray) -> float:
    return float(thresholds[np.argmin(np.abs(thresholds - DEFAULT_THRESHOLD))])


def _at_target(
    scores: np.ndarray, actual: np.ndarray, rule: ThresholdRule, current: float
) -> float:
    """The threshold with the best precision (or recall) among those holding the target recall
    (or precision); `current` if none holds it."""
    decided = [(scores >= t) for t in CANDIDATES]
    found = np.array([(d & actual).sum() for d in decided], dtype=float)
    recall = found / max(actual.sum(), 1)
    precision = found / np.maximum([d.sum() for d in decided], 1)
    held, best = (
        (recall, precision) if rule.metric == "precision-at-recall" else (precision, recall)
    )
    holding = held >= rule.target
    if not holding.any():
        return current
    value = np.where(holding, best, -1.0)
    return _nearest_half(CANDIDATES[np.isclose(value, value.max())])


def _micro_f1(scores: np.ndarray, actual: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Thresholds maximising micro-F1 (pooled over themes), by coordinate ascent from `start`."""
    thresholds = start.copy()
    for _ in range(MICRO_F1_ROUNDS):
        for k in range(len(thresholds)):
            f1 = [_f1(scores >= _with(thresholds, k, t), actual) for t in CANDIDATES]
            thresholds[k] = _nearest_half(CANDIDATES[np.isclose(f1, max(f1))])
    return thresholds


def _with(values: np.ndarray, index: int, value: float) -> np.ndarray:
    changed = values.copy()
    changed[index] = value
    return changed


def retuned_settings(
    settings: ModelSettings, retuning: Retuning, files: Sequence[str]
) -> ModelSettings:
    """The model's settings with the new thresholds and the record of where they came from."""
    after = retuning.after
    earlier = settings.thresholds_from
    record = ThresholdRecord(
        files=tuple(files),
        articles=len(after.records),
        rule=retuning.rule.describe(),
        min_positives=retuning.rule.min_positives,
        kept=retuning.kept,
        previous=earlier.previous if earlier else settings.thresholds,
        metrics=after.metrics,
        out_of_fold=retuning.out_of_fold,
        folds=retuning.folds,
    )
    thresholds = after.predictions.thresholds_by_theme
    return replace(settings, thresholds=thresholds, thresholds_from=record)


def write_retuned(source: Path, settings: ModelSettings, output: Path | None) -> Path:
    """Write the model with `settings`: in place when `output` is None (its settings file and
    card, both or neither), else as a new directory `output`, complete or not at all."""
    if output is None:
        write_atomic(_settings_files(source, settings))
        return source
    with staged_directory(output) as staging:
        shutil.copytree(source, staging, copy_function=_link_or_copy)
        write_atomic(_settings_files(staging, settings, published=output))
    return output


def _settings_files(
    folder: Path, settings: ModelSettings, published: Path | None = None
) -> dict[Path, str]:
    """tematik.json, and the card where the model has the record of its training to show."""
    from tematik.model_card import render_model_card

    files = {folder / SETTINGS_FILE: settings.to_json()}
    if settings.training is not None:
        files[folder / "README.md"] = render_model_card(published or folder, settings)
    return files


def _link_or_copy(source: str, target: str) -> None:
    """A hard link where the file system allows (the weights are large and never change in
    place: new settings replace their file), else a copy."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
