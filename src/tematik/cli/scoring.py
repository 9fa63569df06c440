"""`tematik evaluate`, `classify` and `suggest`: a trained model's scores, as metrics, themes
or a ranking of what to label next."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tematik import console
from tematik.cli.common import (
    ConfigOption,
    ExplainOption,
    Int8Option,
    ModelOption,
    app,
    json_option,
    load_classifier,
    model_version,
    overwrite_option,
    predicted_articles,
    readable,
    user_errors,
    writable_label_studio,
)
from tematik.errors import TematikError
from tematik.schema import DEFAULT_SCHEMA_PATH

if TYPE_CHECKING:
    from tematik.predictions import Predictions

CLASSIFY_CHUNK = 64
FIRST_CHUNK = 8
"""`classify` scores 8 articles first, so results show within seconds, then doubles to 64."""
ArticlePaths = Annotated[
    list[str],
    typer.Argument(
        help="Unlabelled articles: .txt files, folders of them, .jsonl files.", show_default=False
    ),
]


@app.command()
@user_errors
def evaluate(
    data: Annotated[
        list[str], typer.Option(help="Annotation files to score against (repeatable).")
    ],
    model: ModelOption = None,
    as_json: Annotated[bool, json_option("Print one JSON object.")] = False,
    schema: Annotated[
        Path, typer.Option(help="Label schema of the data (default: the model's own).")
    ] = DEFAULT_SCHEMA_PATH,
    int8: Int8Option = None,
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
    co-occurrence of annotated and predicted themes, and the worst-classified articles with the
    passage behind each predicted theme and the best passage for each missed one.
    """
    from tematik.evaluation import evaluate as run_evaluation
    from tematik.evaluation import load_evaluation_data
    from tematik.report import check_report_directory, explain_worst, write_report

    if report:
        check_report_directory(report)
    classifier = load_classifier(model, int8)
    records = load_evaluation_data(classifier, data, schema)
    with console.progress(len(records)) as advance:
        evaluation = run_evaluation(classifier, records, progress=advance)
    if as_json:
        typer.echo(json.dumps(evaluation.metrics, indent=2))
    else:
        console.print_metrics(evaluation.metrics, len(records))
    if evaluation.unmeasured:
        typer.echo(
            f"note: no article in the data carries {', '.join(evaluation.unmeasured)}: an F1 of 0 "
            "there is a convention, not a measurement, and lowers macro-F1; add such articles "
            "to measure it",
            err=True,
        )
    if report:
        evidence = explain_worst(classifier, evaluation)
        write_report(report, evaluation, model=classifier.path, data=data, evidence=evidence)
        typer.echo(f"wrote the report {report / 'report.md'}", err=True)


@app.command()
@user_errors
def classify(
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            help="Text files, folders of .txt files, .jsonl or .json files, or - for stdin.",
            show_default=False,
        ),
    ] = None,
    model: ModelOption = None,
    as_json: Annotated[bool, json_option("One JSON object per article.")] = False,
    int8: Int8Option = None,
    explain: ExplainOption = False,
) -> None:
    """Tag articles with themes. Prints results as it goes; unreadable inputs are listed on stderr.

    With --explain, a quote under each theme (in --json, an `evidence` object per theme: text,
    start and end offsets in the text as given, and the passage's own score). Exit 0 when every
    input was classified, 2 when some could not be read.
    """
    from tematik.inputs import read_articles

    if not paths and sys.stdin.isatty():
        raise TematikError("nothing to classify: give files or folders, or pipe text into `-`")
    classifier = load_classifier(model, int8)
    failures = 0
    printed_header = False
    # Results on a terminal show the progress themselves; written elsewhere, a bar shows it.
    with console.progress(None, shown=not sys.stdout.isatty()) as advance:
        for chunk in _growing_chunks(read_articles(paths or ["-"]), FIRST_CHUNK, CLASSIFY_CHUNK):
            articles, unreadable = readable(chunk)
            failures += unreadable
            texts, ids = [a.text for a in articles], [a.id for a in articles]
            predictions = classifier.predict(texts, ids, explain=explain)
            if as_json:
                _print_json_lines(predictions)
            elif articles:
                console.print_predictions(articles, predictions, header=not printed_header)
                printed_header = True
            advance(len(articles))
    if failures:
        raise TematikError(f"{failures} input(s) could not be classified (listed above)")


def _growing_chunks(items: Iterator, first: int, largest: int) -> Iterator[list]:
    size = first
    while chunk := list(islice(items, size)):
        yield chunk
        size = min(2 * size, largest)


def _print_json_lines(predictions: Predictions) -> None:
    for article_id, prediction in zip(predictions.ids, predictions, strict=True):
        typer.echo(json.dumps({"id": article_id, **prediction.to_dict()}, ensure_ascii=False))


@app.command()
@user_errors
def suggest(
    paths: ArticlePaths,
    model: ModelOption = None,
    top: Annotated[int, typer.Option(min=1, help="How many articles to list.")] = 20,
    as_json: Annotated[
        bool, json_option("One JSON object per article, most useful first.")
    ] = False,
    label_studio: Annotated[
        Path | None,
        typer.Option(
            "--label-studio",
            help="Also write the listed articles as Label Studio tasks, pre-annotated.",
            show_default=False,
        ),
    ] = None,
    config: ConfigOption = None,
    overwrite: Annotated[bool, overwrite_option("the tasks file and the config")] = False,
) -> None:
    """Rank unlabelled articles by how much labelling them would help the model.

    Usefulness is the expected number of an article's theme decisions that a label would correct:
    the sum over themes of sigmoid(-|logit(score) - logit(threshold)|), 0.5 for a theme exactly at
    its threshold. Articles near the thresholds of several themes come first. Unreadable inputs
    are listed on stderr, the rest ranked, and the exit code is 2.
    """
    from tematik.exchange import prediction_tasks, write_label_studio
    from tematik.suggestions import rank

    if label_studio:
        config = writable_label_studio(label_studio, config, overwrite)
    classifier = load_classifier(model)
    articles, predictions, failures = predicted_articles(classifier, paths)
    suggestions = rank(predictions, top)
    if as_json:
        for number, suggestion in enumerate(suggestions, 1):
            row = console.suggestion_dict(number, suggestion, predictions)
            typer.echo(json.dumps(row, ensure_ascii=False))
    else:
        console.print_suggestions(suggestions, predictions)
    if label_studio:
        rows = [suggestion.index for suggestion in suggestions]
        chosen, listed = [articles[i] for i in rows], predictions.select(rows)
        evidence = classifier.evidence([a.text for a in chosen], [p.labels for p in listed])
        tasks = prediction_tasks(chosen, listed.with_evidence(evidence), model_version(classifier))
        write_label_studio(tasks, label_studio, config, classifier.schema, evidence=True)
        typer.echo(f"wrote {len(tasks)} task(s) to {label_studio} and {config}", err=True)
    if failures:
        raise TematikError(f"{failures} input(s) could not be read (listed above)")
