"""What the `tematik` commands share: the Typer app, options declared once, error handling, and
loading a model or articles. Heavy imports stay inside the functions."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tematik import console
from tematik.errors import TematikError

if TYPE_CHECKING:
    from tematik.inputs import Article, Unreadable
    from tematik.modeling import ThemeClassifier
    from tematik.predictions import Predictions

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
INT8_HELP = (
    "Score in int8 (the model's int8 ONNX copy, model.int8.onnx, on the CPU) or in fp32 "
    "(PyTorch). Default: int8 where the CPU scores, fp32 on an NVIDIA GPU. int8 is within 0.01 "
    "dev macro-F1 of fp32 on the models measured; check yours with evaluate --fp32."
)
CONFIG_HELP = "Labelling config to write (default: beside the tasks, NAME.label-config.xml)."

EXPLAIN_HELP = (
    "Also cite, for each theme an article carries, the passage that carries it (the sentence or "
    "few sentences the model scores highest for it), with its offsets in the text as given."
)
ModelOption = Annotated[
    Path | None,
    typer.Option(help="Model directory (default: the newest under model/).", show_default=False),
]
SchemaOption = Annotated[Path, typer.Option(help="Label schema of the annotation files.")]
Int8Option = Annotated[
    bool | None, typer.Option("--int8/--fp32", help=INT8_HELP, show_default=False)
]
ConfigOption = Annotated[Path | None, typer.Option(help=CONFIG_HELP, show_default=False)]
ExplainOption = Annotated[bool, typer.Option("--explain", help=EXPLAIN_HELP)]
RecipeArgument = Annotated[
    Path | None,
    typer.Argument(help="Recipe YAML (default: train/indobert-base.yaml).", show_default=False),
]
RecipeSettingsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        metavar="FIELD=VALUE",
        help="Set any recipe field, e.g. --set pooling=mean (repeatable; the fields are "
        "tematik.recipe.Recipe's).",
        show_default=False,
    ),
]


_loaded: list[ThemeClassifier] = []
"""The model `load_classifier` loaded last."""


def json_option(what: str) -> Any:
    return typer.Option("--json", help=what)


def overwrite_option(what: str) -> Any:
    return typer.Option("--overwrite", help=f"Replace {what} if it exists.")


def user_errors(command: Callable) -> Callable:
    """Turn a TematikError into one line on stderr and exit code 2, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except TematikError as error:
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            typer.echo("interrupted", err=True)
            raise typer.Exit(130) from None

    return wrapper


def quiet_transformers() -> None:
    """Hide transformers' per-file progress bars (weights loading, shard writing), without
    importing it where scoring may not need it (ONNX Runtime)."""
    if "transformers" in sys.modules:
        from transformers.utils import logging

        logging.disable_progress_bar()
    else:
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


def load_classifier(model: Path | None, int8: bool | None = None) -> ThemeClassifier:
    """The model given, or the newest under model/ (said on stderr), held until the next one
    loads: `tematik.cli.main` then ends the process without freeing it (freeing the tokenizer's
    vocabulary alone takes 30 ms)."""
    from tematik.model_settings import newest_model
    from tematik.modeling import ThemeClassifier
    from tematik.recipe import MODELS_HOME

    if model is None:
        model = newest_model()
        typer.echo(
            f"using model {model} (newest under {MODELS_HOME}/; choose with --model)", err=True
        )
    quiet_transformers()
    _loaded[:] = [ThemeClassifier.from_pretrained(model, int8=int8)]
    return _loaded[0]


def readable(items: Iterable[Article | Unreadable]) -> tuple[list[Article], int]:
    """The articles among `items`, and how many inputs were unreadable (each named on stderr)."""
    from tematik.inputs import Unreadable

    articles, unreadable = [], 0
    for item in items:
        if isinstance(item, Unreadable):
            unreadable += 1
            typer.echo(f"skipped {item}", err=True)
        else:
            articles.append(item)
    return articles, unreadable


def predicted_articles(
    classifier: ThemeClassifier, paths: list[str], explain: bool = False
) -> tuple[list[Article], Predictions, int]:
    """Every readable article and its predictions (with their evidence, if asked); unreadable
    inputs are listed and counted."""
    from tematik.inputs import read_articles

    articles, failures = readable(read_articles(paths))
    if not articles:
        raise TematikError("no article could be read (listed above)")
    with console.progress(len(articles)) as advance:
        texts, ids = [a.text for a in articles], [a.id for a in articles]
        predictions = classifier.predict(texts, ids, progress=advance, explain=explain)
        return articles, predictions, failures


def model_version(classifier: ThemeClassifier) -> str:
    """The model's name, as Label Studio shows it beside each prediction."""
    return classifier.path.resolve().name


def writable_label_studio(output: Path, config: Path | None, overwrite: bool) -> Path:
    """The labelling config's path (default: beside the tasks), once both paths are checked
    writable, before any work is done."""
    from tematik.files import check_destinations

    config = config or output.with_suffix(".label-config.xml")
    check_destinations([output, config], overwrite)
    return config
