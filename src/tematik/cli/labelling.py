"""`tematik validate`, `agreement`, `import` and `export`: annotation files and the labelling
tools."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tematik import console
from tematik.cli.common import (
    ConfigOption,
    ExplainOption,
    SchemaOption,
    app,
    json_option,
    load_classifier,
    model_version,
    overwrite_option,
    predicted_articles,
    user_errors,
    writable_label_studio,
)
from tematik.errors import TematikError
from tematik.schema import DEFAULT_SCHEMA_PATH

if TYPE_CHECKING:
    from tematik.agreement import Judgement
    from tematik.schema import Schema


@app.command()
@user_errors
def validate(
    files: Annotated[
        list[str] | None,
        typer.Argument(help="Annotation files, folders or globs.", show_default=False),
    ] = None,
    schema: SchemaOption = DEFAULT_SCHEMA_PATH,
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
    console.print_summary(annotations.summary(loaded_schema))


class Tool(StrEnum):
    """Annotation tools whose exports `tematik import` and `tematik agreement` read."""

    label_studio = "label-studio"
    doccano = "doccano"
    prodigy = "prodigy"


ControlOption = Annotated[
    str | None,
    typer.Option(
        help="Label Studio: the Choices control holding the themes (default: the one whose "
        "choices name themes).",
        show_default=False,
    ),
]


@app.command("import")
@user_errors
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
    control: ControlOption = None,
    overwrite: Annotated[bool, overwrite_option("the output file")] = False,
    schema: SchemaOption = DEFAULT_SCHEMA_PATH,
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


@app.command()
@user_errors
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
    explain: ExplainOption = False,
    config: ConfigOption = None,
    schema: Annotated[
        Path, typer.Option(help="Label schema of the annotation files (--model: the model's).")
    ] = DEFAULT_SCHEMA_PATH,
    overwrite: Annotated[bool, overwrite_option("the tasks file and the config")] = False,
) -> None:
    """Write Label Studio tasks with pre-annotations, and the labelling config for the themes.

    From annotation files, their labels are the pre-annotations (to review them). With --model,
    unlabelled articles are pre-annotated with the model's themes, and each prediction's score is
    the model's confidence in the whole label set; with --explain, the passage behind each theme
    is highlighted too. Unreadable articles are listed on stderr, the rest are written, and the
    exit code is 2.
    """
    from tematik.exchange import annotation_tasks, prediction_tasks, write_label_studio

    if explain and model is None:
        raise TematikError("--explain cites a model's evidence: give --model DIR too")
    config = writable_label_studio(output, config, overwrite)
    failures = 0
    if model is None:
        from tematik.annotations import DEFAULT_ANNOTATIONS, load_annotations
        from tematik.schema import load_schema

        loaded_schema = load_schema(schema)
        tasks = annotation_tasks(load_annotations(paths or [DEFAULT_ANNOTATIONS], loaded_schema))
    else:
        if not paths:
            raise TematikError("--model pre-annotates articles: give .txt files, folders or .jsonl")
        classifier = load_classifier(model)
        articles, predictions, failures = predicted_articles(classifier, paths, explain)
        tasks = prediction_tasks(articles, predictions, model_version(classifier))
        loaded_schema = classifier.schema
    write_label_studio(tasks, output, config, loaded_schema, evidence=explain)
    typer.echo(f"wrote {len(tasks)} task(s) to {output} and the labelling config to {config}")
    if failures:
        raise TematikError(f"{failures} input(s) could not be read (listed above)")


@app.command()
@user_errors
def agreement(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="Annotation files, one per annotator (id and labels, text optional), or with "
            "--from the tools' exports.",
            show_default=False,
        ),
    ],
    tool: Annotated[
        Tool | None,
        typer.Option(
            "--from",
            metavar="TOOL",
            help="The tool that exported FILES: label-studio, doccano or prodigy.",
            show_default=False,
        ),
    ] = None,
    control: ControlOption = None,
    top: Annotated[int, typer.Option(min=0, help="How many disputed articles to list.")] = 20,
    as_json: Annotated[bool, json_option("Print one JSON object.")] = False,
    label_studio: Annotated[
        Path | None,
        typer.Option(
            "--label-studio",
            help="Also write the listed articles as Label Studio tasks to settle, each "
            "annotator's themes as one pre-annotation.",
            show_default=False,
        ),
    ] = None,
    config: ConfigOption = None,
    overwrite: Annotated[bool, overwrite_option("the tasks file and the config")] = False,
    schema: SchemaOption = DEFAULT_SCHEMA_PATH,
) -> None:
    """How far annotators agree on each theme, and the articles they disagree on most.

    Per theme: raw agreement over the articles labelled more than once, Cohen's kappa (two
    annotators) and Krippendorff's alpha (any number, nominal); then how many articles each
    annotator labelled, and the most disputed articles with who said what. tematik files: one
    annotator per file, articles matched by id. Label Studio: each annotation's author
    (completed_by). Prodigy: each answer's session (choice tasks that offered every theme).
    doccano: one export per annotator.
    """
    from tematik.agreement import measure, read_judgements
    from tematik.schema import load_schema

    if label_studio:
        config = writable_label_studio(label_studio, config, overwrite)
    loaded = load_schema(schema)
    judgements = (
        _tool_judgements(files, tool, loaded, control) if tool else read_judgements(files, loaded)
    )
    result = measure(judgements, loaded.ids)
    listed = result.disagreements[:top]
    if as_json:
        typer.echo(json.dumps(result.to_dict(top), indent=2, ensure_ascii=False))
    else:
        console.print_agreement(result, listed)
    if label_studio:
        from tematik.exchange import settling_tasks, write_label_studio

        tasks = settling_tasks(listed, judgements)
        write_label_studio(tasks, label_studio, config, loaded)
        typer.echo(f"wrote {len(tasks)} task(s) to settle to {label_studio} and {config}", err=True)


def _tool_judgements(
    files: list[Path], tool: Tool, schema: Schema, control: str | None
) -> list[Judgement]:
    """Every annotator's judgements in the tools' exports; their problems listed, exit 2."""
    from tematik.exchange import import_export

    judgements = []
    for file in files:
        imported = import_export(file, tool.value, schema, control)
        for line in imported.problems:
            typer.echo(line, err=True)
        if imported.problems:
            raise TematikError(f"{len(imported.problems)} problem(s) in {file} (listed above)")
        judgements += imported.judgements
    return judgements
