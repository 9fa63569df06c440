"""tematik's own part of a model directory (`tematik.json`): thresholds, windows, schema, and
the record of the training run that produced the model."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tematik.data import WindowSettings
from tematik.errors import TematikError
from tematik.recipe import MODELS_HOME, OFFLINE_RECIPE_PATH, Recipe

SETTINGS_FILE = "tematik.json"


@dataclass(frozen=True)
class SplitCounts:
    """How many articles one side of the split has, per theme and with no theme."""

    articles: int
    per_theme: dict[str, int]
    no_theme: int


@dataclass(frozen=True)
class TrainingRecord:
    """The run that produced a model: what the model card reports."""

    recipe: Recipe
    files: tuple[str, ...]
    """The annotation files trained on, as the recipe's patterns expanded."""
    train: SplitCounts
    validation: SplitCounts
    validation_metrics: dict
    """What `tematik evaluate --json` prints, on the validation articles."""
    all_themes_macro_f1: float
    """Macro-F1 of marking every theme on every validation article: the floor to beat."""
    epochs_run: float
    processes: int
    best_epoch_macro_f1: float | None
    seconds: float

    @property
    def macro_f1(self) -> float:
        return self.validation_metrics["macro_f1"]

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainingRecord:
        return cls(
            **values
            | {
                "recipe": Recipe.from_dict(values["recipe"]),
                "files": tuple(values["files"]),
                "train": SplitCounts(**values["train"]),
                "validation": SplitCounts(**values["validation"]),
            }
        )


@dataclass(frozen=True)
class ThresholdRecord:
    """Where the thresholds came from when `tematik tune-thresholds` set them."""

    files: tuple[str, ...]
    articles: int
    rule: str
    min_positives: int
    kept: tuple[str, ...]
    """Themes with too few positives in the files, whose thresholds stayed as they were."""
    previous: dict[str, float]
    metrics: dict
    """What `tematik evaluate --json` prints on the files, with the new thresholds."""
    out_of_fold: dict | None
    folds: int | None

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> ThresholdRecord:
        return cls(**values | {"files": tuple(values["files"]), "kept": tuple(values["kept"])})


@dataclass(frozen=True)
class ModelSettings:
    """Per-theme thresholds, windows and schema, stored beside the Hugging Face files."""

    labels: list[str]
    thresholds: dict[str, float]
    windows: WindowSettings
    schema: dict
    training: TrainingRecord | None = None
    """None for a model saved outside `tematik train`, or by a tematik before this record."""
    thresholds_from: ThresholdRecord | None = None
    """Set when `tematik tune-thresholds` chose the thresholds; None when training did."""

    def to_json(self) -> str:
        values = asdict(self)
        if self.training is not None:
            values["training"]["recipe"] = self.training.recipe.to_dict()
        return json.dumps(values, ensure_ascii=False, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> ModelSettings:
        values = json.loads(text)
        return cls(
            labels=values["labels"],
            thresholds=values["thresholds"],
            windows=WindowSettings(**values["windows"]),
            schema=values.get("schema", {}),
            training=_training_record(values.get("training")),
            thresholds_from=_threshold_record(values.get("thresholds_from")),
        )


def _training_record(values: dict | None) -> TrainingRecord | None:
    """The record as read, or None where it is missing or in an earlier layout: the model still
    predicts, only its card is not rewritten."""
    try:
        return TrainingRecord.from_dict(values) if values else None
    except (KeyError, TypeError, ValueError):
        return None


def _threshold_record(values: dict | None) -> ThresholdRecord | None:
    try:
        return ThresholdRecord.from_dict(values) if values else None
    except (KeyError, TypeError, ValueError):
        return None


def newest_model(home: Path = MODELS_HOME) -> Path:
    """The most recently written model directory under `home`."""
    candidates = sorted(home.glob(f"*/{SETTINGS_FILE}"), key=lambda p: p.stat().st_mtime)
    if not candidates:
        raise TematikError(
            f"no trained model under {home}/; train one with `tematik train` "
            f"(offline: `tematik train {OFFLINE_RECIPE_PATH}`) or pass --model DIR"
        )
    return candidates[-1].parent
