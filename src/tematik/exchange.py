"""Label Studio and doccano: their exports read as tematik annotations, articles written as Label
Studio tasks with pre-annotations, and the Label Studio labelling config for the schema's themes."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

import numpy as np

from tematik.annotations import Record
from tematik.errors import TematikError
from tematik.files import parse_json, read_utf8, write_atomic
from tematik.inputs import Article
from tematik.metrics import apply_thresholds
from tematik.schema import Schema
from tematik.suggestions import confidence

FROM_NAME = "themes"  # the <Choices> control of the labelling config
TO_NAME = "text"  # the <Text> object it labels, filled from a task's data.text
ARTICLE_ID = "article_id"  # the tematik article id, kept in a task's data
SHOWN_FIELDS = ("title", "url", "date")  # annotation fields copied into a task's data
ANNOTATIONS_VERSION = "tematik annotations"  # model_version of pre-annotations made from labels
# Fields of a tool's item that are not kept as extra annotation fields.
NOT_EXTRA = {"id", "text", "labels", "label", "source", ARTICLE_ID, "Comments"}
SETTLE_TIE = "mark one annotation as ground truth in Label Studio, or add an annotator"


@dataclass
class Imported:
    """Annotations read from a tool's export, the tasks left out, and what could not be mapped."""

    records: list[Record] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)
    """Skipped tasks and tied annotators: not imported, and nothing wrong with the file."""
    problems: list[str] = field(default_factory=list)
    """Unknown choices, missing text, malformed items: while there are any, nothing is written."""
    _seen: dict[str, str] = field(default_factory=dict, repr=False)

    def add(self, record: Record, where: str) -> None:
        """Keep a record, or report its id as already used."""
        if record.id in self._seen:
            self.problems.append(
                f"{where}: article id {record.id!r} already used by {self._seen[record.id]}"
            )
        else:
            self._seen[record.id] = where
            self.records.append(record)


class ExportKind(Enum):
    """What a file given to `tematik import` looks like."""

    LABEL_STUDIO = "a Label Studio JSON export"
    LABEL_STUDIO_MIN = "a Label Studio JSON-MIN export"
    JSON_LINES = "JSON Lines, one object per line, as doccano exports"
    TABLE = "a CSV or TSV table"
    OTHER = "neither JSON nor JSON Lines"


def export_kind(text: str) -> tuple[ExportKind, object]:
    """The kind of export `text` is, judged by its structure and first item, and `text` parsed
    as one JSON document (or the JSONDecodeError saying why it is none)."""
    try:
        whole = parse_json(text)
    except json.JSONDecodeError as error:
        return _kind_of_lines(text), error
    if isinstance(whole, dict):  # JSON Lines of one line
        return ExportKind.JSON_LINES, whole
    if isinstance(whole, list) and all(isinstance(item, dict) for item in whole[:1]):
        tasks = not whole or "data" in whole[0]  # JSON-MIN flattens each task's data
        return (ExportKind.LABEL_STUDIO if tasks else ExportKind.LABEL_STUDIO_MIN), whole
    return ExportKind.OTHER, whole


def _kind_of_lines(text: str) -> ExportKind:
    """The kind of a text that is not one JSON document, judged by its first line."""
    first = next((line.strip() for line in text.split("\n") if line.strip()), "")
    if first.startswith("{"):
        return ExportKind.JSON_LINES if _is_object(first) else ExportKind.OTHER
    if not first.startswith("[") and ("," in first or "\t" in first):
        return ExportKind.TABLE
    return ExportKind.OTHER


def _is_object(line: str) -> bool:
    try:
        return isinstance(parse_json(line), dict)
    except json.JSONDecodeError:
        return False


_AS_JSON = "export the project from Label Studio as JSON"
# For each --from, the kinds of file it does not read, and what to do instead.
_WRONG_KIND = {
    "label-studio": {
        ExportKind.LABEL_STUDIO_MIN: f"it keeps no annotators' choices to settle; {_AS_JSON} "
        "(not JSON-MIN) and import that",
        ExportKind.JSON_LINES: "import it with --from doccano",
        ExportKind.TABLE: _AS_JSON,
    },
    "doccano": {
        ExportKind.LABEL_STUDIO: "import it with --from label-studio",
        ExportKind.LABEL_STUDIO_MIN: f"{_AS_JSON} and import it with --from label-studio",
        ExportKind.TABLE: "export the doccano project as JSONL",
        ExportKind.OTHER: "export the doccano project as JSONL",
    },
}


def _refuse_other_kinds(path: Path, kind: ExportKind, tool: str) -> None:
    """One line, not one per row, when the file is another tool's or another format's export."""
    fix = _WRONG_KIND[tool].get(kind)
    if fix:
        raise TematikError(f"{path}: {kind.value}, not what --from {tool} reads; {fix}")


def read_label_studio(path: Path, schema: Schema) -> Imported:
    """A Label Studio JSON export's tasks as annotations (`resolve` settles several annotators)."""
    kind, tasks = export_kind(read_utf8(path))
    _refuse_other_kinds(path, kind, "label-studio")
    if isinstance(tasks, json.JSONDecodeError):
        raise TematikError(
            f"{path}: not a JSON file ({tasks.msg} at line {tasks.lineno}); {_AS_JSON}"
        )
    if not isinstance(tasks, list):
        raise TematikError(
            f"{path}: expected a list of tasks; export the project from Label Studio as JSON"
        )
    imported = Imported()
    for position, task in enumerate(tasks, 1):
        _import_task(path, position, task, schema, imported)
    return imported


def read_doccano(path: Path, schema: Schema) -> Imported:
    """The examples of a doccano text-classification JSONL export (`label` or `labels`)."""
    text = read_utf8(path)
    _refuse_other_kinds(path, export_kind(text)[0], "doccano")
    imported = Imported()
    for number, line in enumerate(text.split("\n"), 1):
        if line.strip():
            _import_example(f"{path}:{number}", number, line, schema, imported)
    return imported


def resolve(
    choices: Sequence[set[str]], ground_truth: Sequence[bool]
) -> tuple[set[str], list[str]]:
    """A task's themes from its annotations' choices, and the themes on which they tie.

    Ground-truth annotations, when there are any, are the only ones counted. A theme is given when
    more than half of the counted annotations chose it; one chosen by exactly half is a tie.
    """
    truths = [chosen for chosen, truth in zip(choices, ground_truth, strict=True) if truth]
    counted = truths or choices
    votes = Counter(theme for chosen in counted for theme in chosen)
    given = {theme for theme, n in votes.items() if 2 * n > len(counted)}
    return given, sorted(theme for theme, n in votes.items() if 2 * n == len(counted))


def _import_task(
    path: Path, position: int, task: object, schema: Schema, imported: Imported
) -> None:
    task_id = task.get("id", f"#{position}") if isinstance(task, dict) else f"#{position}"
    where = f"{path}: task {task_id}"
    if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
        imported.problems.append(f"{where}: not a Label Studio task (no data object)")
        return
    data = task["data"]
    if not isinstance(data.get(TO_NAME), str) or not data[TO_NAME].strip():
        imported.problems.append(f"{where}: no text in data.{TO_NAME}")
        return
    annotations = [a for a in task.get("annotations") or [] if isinstance(a, dict)]
    done = [a for a in annotations if not a.get("was_cancelled")]
    if not done:
        why = "every annotator skipped it" if annotations else "no annotation"
        imported.left_out.append(f"{where}: skipped ({why}), not imported")
        return
    themes = _settle(where, done, schema, imported)
    if themes is not None:
        article_id = data.get(ARTICLE_ID) or f"label-studio-{task_id}"
        source = f"label-studio task {task_id}"
        imported.add(_record(article_id, data[TO_NAME], themes, schema, data, source), where)


def _settle(
    where: str, annotations: list[dict], schema: Schema, imported: Imported
) -> set[str] | None:
    """A task's themes from its finished annotations; None (reported) on unknown choice or tie."""
    problems_before = len(imported.problems)
    choices = [_annotation_themes(a, where, schema, imported.problems) for a in annotations]
    if len(imported.problems) > problems_before:
        return None
    given, tied = resolve(choices, [bool(a.get("ground_truth")) for a in annotations])
    if tied:
        imported.left_out.append(
            f"{where}: annotators tie on {', '.join(tied)} (chosen by exactly half), "
            f"not imported; {SETTLE_TIE}"
        )
        return None
    return given


def _annotation_themes(
    annotation: dict, where: str, schema: Schema, problems: list[str]
) -> set[str]:
    """Themes chosen in one annotation's `choices` results; unknown choices go to `problems`."""
    lookup = _choice_names(schema)
    themes = set()
    for choice in _chosen(annotation.get("result")):
        theme = lookup.get(str(choice).strip().casefold())
        if theme:
            themes.add(theme)
        else:
            problems.append(
                f"{where}: unknown choice {choice!r} in annotation {annotation.get('id')}; "
                f"{_known(schema)}"
            )
    return themes


def _chosen(result: object) -> list:
    """Every value chosen in the `choices` items of an annotation's result."""
    items = result if isinstance(result, list) else []
    values = [i.get("value") for i in items if isinstance(i, dict) and i.get("type") == "choices"]
    return [choice for v in values if isinstance(v, dict) for choice in v.get("choices") or []]


def _import_example(where: str, number: int, line: str, schema: Schema, imported: Imported) -> None:
    try:
        entry = parse_json(line)
    except json.JSONDecodeError as error:
        imported.problems.append(f"{where}: invalid JSON ({error.msg} at column {error.colno})")
        return
    if not isinstance(entry, dict) or not isinstance(entry.get("text"), str):
        imported.problems.append(f'{where}: expected a JSON object with a "text" field')
        return
    if not entry["text"].strip():
        imported.problems.append(f"{where}: empty text")
        return
    labels = entry.get("label", entry.get("labels"))
    if not isinstance(labels, list) or not all(isinstance(label, str) for label in labels):
        imported.problems.append(
            f'{where}: "label" must be a list of category names; export a text-classification '
            "project as JSONL"
        )
        return
    lookup = _choice_names(schema)
    unknown = [label for label in labels if label.strip().casefold() not in lookup]
    if unknown:
        imported.problems.append(
            f"{where}: unknown label {', '.join(map(repr, unknown))}; {_known(schema)}"
        )
        return
    example = f"example {entry['id']}" if "id" in entry else f"line {number}"
    article_id = entry.get(ARTICLE_ID) or f"doccano-{entry.get('id', f'line-{number}')}"
    themes = {lookup[label.strip().casefold()] for label in labels}
    imported.add(
        _record(article_id, entry["text"], themes, schema, entry, f"doccano {example}"), where
    )


def _record(
    article_id: object, text: str, themes: set[str], schema: Schema, fields: dict, source: str
) -> Record:
    """An annotation record; the item's other fields are kept, `source` names the tool's item."""
    extra = {key: value for key, value in fields.items() if key not in NOT_EXTRA}
    labels = tuple(theme for theme in schema.ids if theme in themes)
    return Record(id=str(article_id), text=text, labels=labels, extra={**extra, "source": source})


def _choice_names(schema: Schema) -> dict[str, str]:
    """Theme id by accepted choice name: the id or the Indonesian name, in any case."""
    return {name.casefold(): theme.id for theme in schema.themes for name in (theme.id, theme.name)}


def _known(schema: Schema) -> str:
    return "known: " + ", ".join(f"{theme.id} ({theme.name})" for theme in schema.themes)


def annotation_tasks(records: Iterable[Record]) -> list[dict]:
    """Annotated articles as Label Studio tasks, their labels as pre-annotations to review."""
    return [
        {
            "data": _task_data(record.id, record.text, record.extra),
            "predictions": [
                {"model_version": ANNOTATIONS_VERSION, "result": choices_result(record.labels)}
            ],
        }
        for record in records
    ]


def prediction_tasks(
    articles: Sequence[Article],
    scores: np.ndarray,
    labels: Sequence[str],
    thresholds: np.ndarray,
    model_version: str,
) -> list[dict]:
    """Articles as Label Studio tasks pre-annotated with a model's themes (scores ≥ thresholds).

    A prediction's `score` is the model's confidence in the whole label set
    (`tematik.suggestions.confidence`); Label Studio sorts tasks by it.
    """
    decisions = apply_thresholds(scores, thresholds)
    confidences = confidence(scores, thresholds)
    return [
        {
            "data": _task_data(article.id, article.text, {}),
            "predictions": [
                {
                    "model_version": model_version,
                    "score": round(float(score), 4),
                    "result": choices_result([t for t, on in zip(labels, row, strict=True) if on]),
                }
            ],
        }
        for article, row, score in zip(articles, decisions, confidences, strict=True)
    ]


def choices_result(themes: Sequence[str]) -> list[dict]:
    """A Label Studio result choosing `themes` (ids: the config's aliases); none chosen: []."""
    if not themes:
        return []
    return [
        {
            "from_name": FROM_NAME,
            "to_name": TO_NAME,
            "type": "choices",
            "value": {"choices": list(themes)},
        }
    ]


def _task_data(article_id: str, text: str, extra: dict) -> dict:
    shown = {key: extra[key] for key in SHOWN_FIELDS if key in extra}
    return {TO_NAME: text, ARTICLE_ID: article_id, **shown}


def label_config(schema: Schema) -> str:
    """The Label Studio labelling config: the text, and one checkbox per theme.

    Annotators see the Indonesian name and the description as a hint; exports carry the theme id
    (the choice's alias).
    """
    view = ET.Element("View")
    ET.SubElement(view, "Text", name=TO_NAME, value=f"${TO_NAME}")
    choices = ET.SubElement(view, "Choices", name=FROM_NAME, toName=TO_NAME, choice="multiple")
    for theme in schema.themes:
        ET.SubElement(choices, "Choice", value=theme.name, alias=theme.id, hint=theme.description)
    ET.indent(view)
    return ET.tostring(view, encoding="unicode") + "\n"


def write_annotations(records: Iterable[Record], path: Path) -> None:
    """An annotation file (JSON Lines), written whole or not at all."""
    lines = (
        json.dumps(
            {"id": r.id, "text": r.text, "labels": list(r.labels), **r.extra}, ensure_ascii=False
        )
        + "\n"
        for r in records
    )
    write_atomic({path: "".join(lines)})


def write_label_studio(tasks: list[dict], path: Path, config: Path, schema: Schema) -> None:
    """Label Studio tasks (a JSON list, as its import reads) and the labelling config for the
    schema's themes, both written whole or neither."""
    tasks_json = json.dumps(tasks, ensure_ascii=False, indent=2) + "\n"
    write_atomic({path: tasks_json, config: label_config(schema)})
