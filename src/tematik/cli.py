"""The `tematik` command: parses arguments, calls the library, prints. Heavy imports stay inside."""

from __future__ import annotations

import functools
import json
import signal
import sys
from collections.abc import Callable, Iterator
from itertools import islice
from pathlib import Path
from typing import Annotated, Any

import typer

from tematik.errors import TematikError

app = typer.Typer(
    help="Tag Indonesian news articles with security themes, and train the model that does it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
MODELS_HOME = Path("model")
CLASSIFY_CHUNK = 64
INT8_HELP = "Score with int8 weights on the CPU: faster, nearly the same scores."


def _user_errors(command: Callable) -> Callable:
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


def _interrupt(signum: int, frame: object) -> None:
    """SIGTERM (a scheduler stopping the job) ends the run as Ctrl-C does."""
    raise KeyboardInterrupt


def _quiet_transformers() -> None:
    """Hide transformers' per-file progress bars (weights loading, shard writing)."""
    from transformers.utils import logging

    logging.disable_progress_bar()


def _console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


@app.command()
@_user_errors
def validate(
    files: Annotated[
        list[str] | None,
        typer.Argument(help="Annotation files, folders or globs.", show_default=False),
    ] = None,
    schema: Annotated[Path, typer.Option(help="Label schema.")] = Path("labels/themes.yaml"),
) -> None:
    """Check annotation files against the schema and print counts per theme.

    Default files: labels/*.jsonl. Exit 0 when clean; exit 2 listing every problem as
    file:line: message.
    """
    from tematik.annotations import DEFAULT_ANNOTATIONS, read_annotations
    from tematik.schema import load_schema

    loaded_schema = load_schema(schema)
    annotations = read_annotations(files or [DEFAULT_ANNOTATIONS], loaded_schema)
    if annotations.problems:
        for problem in annotations.problems:
            typer.echo(problem, err=True)
        raise TematikError(
            f"{len(annotations.problems)} problem(s) in {len(annotations.files)} file(s)"
        )
    _print_summary(annotations.summary(loaded_schema))


def _print_summary(summary: dict) -> None:
    from rich.table import Table

    table = Table(title=f"{summary['articles']} articles in {len(summary['files'])} file(s)")
    table.add_column("theme")
    table.add_column("articles", justify="right")
    for theme, count in summary["per_theme"].items():
        table.add_row(theme, str(count))
    table.add_row("(no theme)", str(summary["no_theme"]), style="dim")
    words = summary["words"]
    console = _console()
    console.print(table)
    console.print(
        f"length in words: min {words['min']}, median {words['median']:g}, max {words['max']}"
    )


@app.command()
@_user_errors
def train(
    recipe: Annotated[
        Path | None,
        typer.Argument(help="Recipe YAML (default: train/indobert-base.yaml).", show_default=False),
    ] = None,
    data: Annotated[list[str] | None, typer.Option(help="Annotation files (repeatable).")] = None,
    base_model: Annotated[
        str | None, typer.Option(help="Hub id, local path or pkg:MODULE.")
    ] = None,
    output: Annotated[str | None, typer.Option(help="Model directory to write.")] = None,
    epochs: Annotated[float | None, typer.Option(help="Maximum epochs.")] = None,
    learning_rate: Annotated[float | None, typer.Option()] = None,
    batch_size: Annotated[int | None, typer.Option(help="Articles per step.")] = None,
    max_length: Annotated[int | None, typer.Option(help="Tokens per window.")] = None,
    stride: Annotated[
        int | None, typer.Option(help="Tokens shared by consecutive windows.")
    ] = None,
    seed: Annotated[int | None, typer.Option()] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace an existing model directory.")
    ] = False,
    resume: Annotated[
        bool,
        typer.Option("--resume", help="Continue an interrupted run from its last checkpoint."),
    ] = False,
) -> None:
    """Fine-tune a base model on annotation files; write a complete model directory or nothing.

    Flags override the recipe. Stops early when validation macro-F1 stops improving, then tunes
    one threshold per theme on the validation articles.
    """
    from tematik.recipe import load_recipe

    chosen = load_recipe(recipe).with_overrides(
        data=data,
        base_model=base_model,
        output=output,
        epochs=epochs,
        learning_rate=learning_rate,
        batch_size=batch_size,
        max_length=max_length,
        stride=stride,
        seed=seed,
    )
    typer.echo(
        f"training {chosen.base_model} on {', '.join(chosen.data)} → {chosen.output}", err=True
    )
    from tematik.training import STAGING_SUFFIX
    from tematik.training import train as run_training

    _quiet_transformers()
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        result = run_training(chosen, overwrite=overwrite, resume=resume)
    except KeyboardInterrupt:
        typer.echo(
            f"interrupted; checkpoints of the finished epochs are kept in {chosen.output}"
            f"{STAGING_SUFFIX}/ (no model was written); run the same command with --resume "
            "to continue",
            err=True,
        )
        raise typer.Exit(130) from None
    if result.published:
        typer.echo(
            f"wrote {result.path} in {result.seconds:.0f} s; validation macro-F1 "
            f"{result.metrics['macro_f1']:.3f}, micro-F1 {result.metrics['micro_f1']:.3f}"
        )


@app.command()
@_user_errors
def evaluate(
    model: Annotated[Path, typer.Option(help="Trained model directory.")],
    data: Annotated[
        list[str], typer.Option(help="Annotation files to score against (repeatable).")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    schema: Annotated[Path, typer.Option(help="Label schema of the data.")] = Path(
        "labels/themes.yaml"
    ),
    int8: Annotated[bool, typer.Option("--int8", help=INT8_HELP)] = False,
) -> None:
    """Article-level precision, recall and F1 of a model on annotated articles."""
    from tematik.annotations import load_annotations
    from tematik.classifier import ThemeClassifier
    from tematik.metrics import apply_thresholds, article_metrics, label_matrix
    from tematik.schema import Schema, load_schema

    _quiet_transformers()
    classifier = ThemeClassifier.from_pretrained(model, int8=int8)
    data_schema = (
        load_schema(schema) if schema.exists() else Schema.from_dict(classifier.settings.schema)
    )
    records = load_annotations(data, data_schema)
    unknown = sorted({label for r in records for label in r.labels} - set(classifier.labels))
    if unknown:
        raise TematikError(
            f"{model}: the model does not know the data's themes {', '.join(unknown)}"
        )
    scores = _scores_with_progress(classifier, [r.text for r in records])
    actual = label_matrix(records, classifier.labels)
    metrics = article_metrics(
        apply_thresholds(scores, classifier.thresholds), actual, classifier.labels
    )
    if as_json:
        typer.echo(json.dumps(metrics, indent=2))
    else:
        _print_metrics(metrics, len(records))


def _scores_with_progress(classifier, texts: list[str]):
    import numpy as np

    chunks = [texts[i : i + CLASSIFY_CHUNK] for i in range(0, len(texts), CLASSIFY_CHUNK)]
    with _progress(len(texts)) as advance:
        scores = []
        for chunk in chunks:
            scores.append(classifier.predict_proba(chunk))
            advance(len(chunk))
    return np.concatenate(scores)


def _print_metrics(metrics: dict, articles: int) -> None:
    from rich.table import Table

    table = Table(title=f"{articles} articles")
    for column in ("theme", "precision", "recall", "F1", "support"):
        table.add_column(column, justify="left" if column == "theme" else "right")
    for theme, scores in metrics["per_label"].items():
        table.add_row(
            theme,
            *(f"{scores[k]:.3f}" for k in ("precision", "recall", "f1")),
            str(scores["support"]),
        )
    table.caption = (
        f"micro-F1 {metrics['micro_f1']:.3f} · macro-F1 {metrics['macro_f1']:.3f} · "
        f"samples-F1 {metrics['samples_f1']:.3f}"
    )
    _console().print(table)


@app.command()
@_user_errors
def classify(
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            help=".txt files, folders of them, .jsonl files, or - for stdin.", show_default=False
        ),
    ] = None,
    model: Annotated[
        Path | None,
        typer.Option(
            help="Model directory (default: the newest under model/).", show_default=False
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per article.")] = False,
    int8: Annotated[bool, typer.Option("--int8", help=INT8_HELP)] = False,
) -> None:
    """Tag articles with themes. Prints results as it goes; unreadable inputs are listed on stderr.

    Exit 0 when every input was classified, 2 when some could not be read.
    """
    from tematik.classifier import ThemeClassifier
    from tematik.inputs import Unreadable, read_articles

    if not paths and sys.stdin.isatty():
        raise TematikError("nothing to classify: give files or folders, or pipe text into `-`")
    _quiet_transformers()
    classifier = ThemeClassifier.from_pretrained(model or _newest_model(), int8=int8)
    failures = 0
    stream = read_articles(paths or ["-"])
    printed_header = False
    for chunk in _chunks(stream, CLASSIFY_CHUNK):
        articles = []
        for item in chunk:
            if isinstance(item, Unreadable):
                failures += 1
                typer.echo(f"skipped {item}", err=True)
            else:
                articles.append(item)
        predictions = classifier.predict([a.text for a in articles])
        if as_json:
            for article, prediction in zip(articles, predictions, strict=True):
                typer.echo(
                    json.dumps({"id": article.id, **prediction.to_dict()}, ensure_ascii=False)
                )
        elif articles:
            _print_predictions(articles, predictions, classifier.labels, header=not printed_header)
            printed_header = True
    if failures:
        raise TematikError(f"{failures} input(s) could not be classified (listed above)")


def _newest_model() -> Path:
    from tematik.classifier import SETTINGS_FILE

    candidates = sorted(MODELS_HOME.glob(f"*/{SETTINGS_FILE}"), key=lambda p: p.stat().st_mtime)
    if not candidates:
        raise TematikError(
            f"no trained model under {MODELS_HOME}/; train one with `tematik train` "
            "(offline: `tematik train train/offline-minilm.yaml`) or pass --model DIR"
        )
    newest = candidates[-1].parent
    typer.echo(f"using model {newest} (newest under {MODELS_HOME}/; choose with --model)", err=True)
    return newest


def _chunks(items: Iterator, size: int) -> Iterator[list]:
    while chunk := list(islice(items, size)):
        yield chunk


def _print_predictions(articles, predictions, labels: list[str], header: bool) -> None:
    from rich.table import Table

    table = Table(show_header=header, box=None, pad_edge=False)
    table.add_column("article", max_width=24, no_wrap=True, overflow="ellipsis")
    table.add_column("themes", min_width=14)
    for label in labels:
        table.add_column(label.split("_")[0], justify="right", min_width=5)
    for article, prediction in zip(articles, predictions, strict=True):
        table.add_row(
            article.id,
            ", ".join(prediction.labels) or "—",
            *(f"{prediction.scores[label]:.2f}" for label in labels),
        )
    _console().print(table)


class _progress:
    """A progress bar on stderr when it is a terminal; a no-op otherwise."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.bar = None

    def __enter__(self) -> Callable[[int], None]:
        if not sys.stderr.isatty():
            return lambda n: None
        from rich.progress import Progress

        self.bar = Progress(console=_console(stderr=True), transient=True)
        self.bar.start()
        task = self.bar.add_task("scoring articles", total=self.total)
        return lambda n: self.bar.advance(task, n)

    def __exit__(self, *exc: object) -> None:
        if self.bar:
            self.bar.stop()


def main() -> None:
    app()
