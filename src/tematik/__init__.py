"""tematik: multi-label theme classification of Indonesian security news."""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.1.0"
__all__ = [
    "Evaluation",
    "Prediction",
    "Predictions",
    "Recipe",
    "ThemeClassifier",
    "TrainingResult",
    "evaluate",
    "train",
]

if TYPE_CHECKING:
    from tematik.evaluation import Evaluation, evaluate
    from tematik.modeling import ThemeClassifier
    from tematik.predictions import Prediction, Predictions
    from tematik.recipe import Recipe
    from tematik.trainer import TrainingResult, train

_HOMES = {
    "Evaluation": "tematik.evaluation",
    "evaluate": "tematik.evaluation",
    "Prediction": "tematik.predictions",
    "Predictions": "tematik.predictions",
    "ThemeClassifier": "tematik.modeling",
    "Recipe": "tematik.recipe",
    "TrainingResult": "tematik.trainer",
    "train": "tematik.trainer",
}


def __getattr__(name: str):
    """Import the public API on first use, so `import tematik` (and the CLI) start fast."""
    if name not in _HOMES:
        raise AttributeError(f"module 'tematik' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_HOMES[name]), name)
