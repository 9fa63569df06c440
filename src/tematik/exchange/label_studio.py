"""Label Studio: its JSON export read as tematik annotations, articles written as tasks with
pre-annotations, and the labelling config for the schema's themes."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tematik.agreement import Disagreement, Judgement, by_article
from tematik.annotations import Record
from tematik.errors import TematikError
from tematik.exchange.formats import ExportFile
from tematik.exchange.imported import Imported
from tematik.files import write_atomic
from tematik.inputs import Article
from tematik.schema import Schema

if TYPE_CHECKING:
    from tematik.evidence import Evidence
    from tematik.predictions import Predictions

FROM_NAME = "themes"  # the <Choices> control of the labelling config
EVIDENCE_NAME = "evidence"  # the <Labels> control that highlights the passage behind each theme
TO_NAME = "text"  # the <Text> object it labels, filled from a task's data.text
ARTICLE_ID = "article_id"  # the tematik article id, kept in a task's data
SHOWN_FIELDS = ("source", "note")  # annotation fields copied into a task's data
KEPT_FIELDS = {TO_NAME, ARTICLE_ID, "url", *SHOWN_FIELDS}  # a task's data fields read back
ANNOTATIONS_VERSION = "tematik annotations"  # model_version of pre-annotations made from labels
SETTLE_TIE = "mark one annotation as ground truth in Label Studio, or add an annotator"
UNREAD = (
    "annotate the themes with a Choices control (tematik export writes its config), "
    "or leave the task out of the export"
)


def read_label_studio(export: ExportFile, schema: Schema, control: str | None) -> Imported:
    """A Label Studio JSON export's tasks as annotations (`resolve` settles several annotators).

    The themes are read from the Choices control `control`, or else from the one control whose
    choices name themes; the results of other controls are ignored.
    """
    tasks = export.document
    imported = Imported(schema)
    control = _theme_control(export, imported, control)
    if control:
        imported.notices.append(f"{export.path}: themes read from the Choices control {control!r}")
    for position, task in enumerate(tasks, 1):
        _import_task(f"{export.path}: task {_task_id(task, position)}", task, control, imported)
    return imported


def _task_id(task: object, position: int) -> object:
    return task.get("id", f"#{position}") if isinstance(task, dict) else f"#{position}"


def _theme_control(export: ExportFile, imported: Imported, asked: str | None) -> str | None:
    """The control whose choices are themes: the one asked for, or the only one naming themes."""
    chosen = _choices_by_control(export.document)
    if asked is not None:
        if asked not in chosen:
            found = ", ".join(map(repr, sorted(chosen))) or "none"
            raise TematikError(
                f"{export.path}: no choice made with a control named {asked!r} "
                f"(Choices controls in this export: {found}); check --control"
            )
        return asked
    naming = sorted(
        name for name, values in chosen.items() if any(imported.theme_of(v) for v in values)
    )
    if len(naming) > 1:
        raise TematikError(
            f"{export.path}: the Choices controls {', '.join(map(repr, naming))} all name themes; "
            "pass --control NAME to say which holds them"
        )
    return naming[0] if naming else None


def _choices_by_control(tasks: list) -> dict[str, set[str]]:
    """Every value chosen in the export, by the name of the Choices control it was chosen in."""
    chosen: dict[str, set[str]] = {}
    for task in tasks:
        for annotation in _annotations(task):
            for item in _results(annotation):
                if item.get("type") == "choices":
                    name = str(item.get("from_name"))
                    chosen.setdefault(name, set()).update(map(str, _values(item)))
    return chosen


def _annotations(task: object) -> list[dict]:
    return _dicts(task.get("annotations") if isinstance(task, dict) else None)


def _results(annotation: dict) -> list[dict]:
    return _dicts(annotation.get("result"))


def _dicts(items: object) -> list[dict]:
    """The objects of a JSON list; nothing when it is not a list."""
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def _values(item: dict) -> list:
    value = item.get("value")
    choices = value.get("choices") if isinstance(value, dict) else None
    return choices if isinstance(choices, list) else []


def _import_task(where: str, task: object, control: str | None, imported: Imported) -> None:
    if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
        imported.problems.append(f"{where}: not a Label Studio task (no data object)")
        return
    data = task["data"]
    if not isinstance(data.get(TO_NAME), str) or not data[TO_NAME].strip():
        imported.problems.append(f"{where}: no text in data.{TO_NAME}")
        return
    annotations = _annotations(task)
    counted = [a for a in annotations if not a.get("was_cancelled") and not _rejected(a)]
    for annotation in annotations:
        if _rejected(annotation):
            imported.left_out.append(
                f"{where}: annotation {annotation.get('id')} rejected by a reviewer, left out"
            )
    if not counted:
        imported.left_out.append(f"{where}: skipped ({_why_none(task, annotations)}), not imported")
        return
    task_id = task.get("id")
    article_id = data.get(ARTICLE_ID) or f"label-studio-{task_id}"
    themes = _settle(where, counted, control, imported, (article_id, data[TO_NAME]))
    if themes is not None:
        source = data.get("url") or data.get("source") or f"label-studio task {task_id}"
        imported.add(article_id, data[TO_NAME], themes, where, str(source), data.get("note"))
        imported.drop(data.keys() - KEPT_FIELDS)


def _annotator(annotation: dict) -> str:
    """Who made an annotation: Label Studio's `completed_by`, a user id or an object with an
    email, depending on the export."""
    who = annotation.get("completed_by")
    if isinstance(who, dict):
        return str(who.get("email") or who.get("id"))
    return f"user {who}" if who is not None else f"annotation {annotation.get('id')}"


def _rejected(annotation: dict) -> bool:
    """Whether a reviewer rejected the annotation (Label Studio Enterprise's review)."""
    reviews = _dicts(annotation.get("reviews"))
    if reviews:
        return reviews[-1].get("accepted") is False
    return annotation.get("last_action") == "rejected"


def _why_none(task: dict, annotations: list[dict]) -> str:
    if any(_rejected(a) for a in annotations):
        return "every annotation was skipped or rejected"
    if annotations:
        return "every annotator skipped it"
    return "only a draft, never submitted" if task.get("drafts") else "no annotation"


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


def _settle(
    where: str,
    annotations: list[dict],
    control: str | None,
    imported: Imported,
    article: tuple[str, str],
) -> set[str] | None:
    """A task's themes from its counted annotations (each kept as its annotator's judgement of
    the `article`, id and text); None (reported) when they cannot be read or the annotators
    tie."""
    problems_before = len(imported.problems)
    choices = [_annotation_themes(a, where, control, imported) for a in annotations]
    if len(imported.problems) > problems_before:
        return None
    for annotation, chosen in zip(annotations, choices, strict=True):
        imported.judge(article[0], _annotator(annotation), chosen, article[1])
    given, tied = resolve(choices, [bool(a.get("ground_truth")) for a in annotations])
    if tied:
        imported.left_out.append(
            f"{where}: annotators tie on {', '.join(tied)} (chosen by exactly half), "
            f"not imported; {SETTLE_TIE}"
        )
        return None
    return given


def _annotation_themes(
    annotation: dict, where: str, control: str | None, imported: Imported
) -> set[str]:
    """Themes chosen in one annotation with the themes' control; what cannot be read is reported.

    Results of other Choices controls alone mean no theme was ticked; results of other kinds
    alone (taxonomy, spans, boxes) mean the themes were never annotated.
    """
    results = [i for i in _results(annotation) if i.get("from_name") != EVIDENCE_NAME]
    ours = [
        item
        for item in results
        if item.get("from_name") == control and item.get("type") == "choices"
    ]
    if (
        results
        and not ours
        and (control is None or any(i.get("type") != "choices" for i in results))
    ):
        found = ", ".join(
            sorted({f"{i.get('type')} from {str(i.get('from_name'))!r}" for i in results})
        )
        imported.problems.append(
            f"{where}: annotation {annotation.get('id')} has no theme chosen with a Choices "
            f"control, only {found}; {UNREAD}"
        )
        return set()
    themes = set()
    for choice in (value for item in ours for value in _values(item)):
        theme = imported.theme_of(choice)
        if theme:
            themes.add(theme)
        else:
            imported.problems.append(
                f"{where}: unknown choice {choice!r} of control {control!r} in annotation "
                f"{annotation.get('id')}; {imported.known()}"
            )
    return themes


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
    articles: Sequence[Article], predictions: Predictions, model_version: str
) -> list[dict]:
    """Articles as Label Studio tasks pre-annotated with a model's themes, and with the evidence
    for each theme highlighted where the predictions carry it (`predict(..., explain=True)`).

    A prediction's `score` is the model's confidence in the whole label set
    (`Predictions.confidence`); Label Studio sorts tasks by it.
    """
    confidences = predictions.confidence()
    return [
        {
            "data": _task_data(article.id, article.text, {}),
            "predictions": [
                {
                    "model_version": model_version,
                    "score": round(float(confidences[row]), 4),
                    "result": choices_result(prediction.labels)
                    + evidence_result(article.text, prediction.evidence or {}),
                }
            ],
        }
        for row, (article, prediction) in enumerate(zip(articles, predictions, strict=True))
    ]


def settling_tasks(disputed: Sequence[Disagreement], judgements: Sequence[Judgement]) -> list[dict]:
    """The disputed articles as Label Studio tasks, each annotator's themes one pre-annotation
    (named after the annotator), for a reviewer to settle. Articles whose text no judgement
    carries (a file of ids and labels only) cannot be shown, and are left out."""
    texts = {j.article: j.text for j in judgements if j.text}
    judged = by_article(judgements)
    return [
        {
            "data": _task_data(d.article, texts[d.article], {}),
            "predictions": [
                {"model_version": annotator, "result": choices_result(sorted(themes))}
                for annotator, themes in sorted(judged[d.article].items())
            ],
        }
        for d in disputed
        if d.article in texts
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


def evidence_result(text: str, evidence: dict[str, Evidence]) -> list[dict]:
    """Label Studio span results highlighting each theme's evidence in `text`. Label Studio counts
    offsets in UTF-16 code units, as JavaScript does; Python counts characters."""
    return [
        {
            "from_name": EVIDENCE_NAME,
            "to_name": TO_NAME,
            "type": "labels",
            "value": {
                "start": _utf16_offset(text, passage.start),
                "end": _utf16_offset(text, passage.end),
                "text": text[passage.start : passage.end],
                "labels": [theme],
            },
            "score": round(passage.score, 4),
        }
        for theme, passage in evidence.items()
    ]


def _utf16_offset(text: str, offset: int) -> int:
    return len(text[:offset].encode("utf-16-le")) // 2


def _task_data(article_id: str, text: str, extra: dict) -> dict:
    shown = {key: extra[key] for key in SHOWN_FIELDS if extra.get(key)}
    return {TO_NAME: text, ARTICLE_ID: article_id, **shown}


def label_config(schema: Schema, evidence: bool = False) -> str:
    """The Label Studio labelling config: the text, and one checkbox per theme; with `evidence`,
    also one span label per theme, which shows the passages a model cited for its themes.

    Annotators see the Indonesian name and the description as a hint; exports carry the theme id
    (the choice's alias).
    """
    view = ET.Element("View")
    if evidence:
        spans = ET.SubElement(view, "Labels", name=EVIDENCE_NAME, toName=TO_NAME)
        for theme in schema.themes:
            ET.SubElement(spans, "Label", value=theme.name, alias=theme.id)
    ET.SubElement(view, "Text", name=TO_NAME, value=f"${TO_NAME}")
    choices = ET.SubElement(view, "Choices", name=FROM_NAME, toName=TO_NAME, choice="multiple")
    for theme in schema.themes:
        ET.SubElement(choices, "Choice", value=theme.name, alias=theme.id, hint=theme.description)
    ET.indent(view)
    return ET.tostring(view, encoding="unicode") + "\n"


def write_label_studio(
    tasks: list[dict], path: Path, config: Path, schema: Schema, evidence: bool = False
) -> None:
    """Label Studio tasks (a JSON list, as its import reads) and the labelling config for the
    schema's themes (with the evidence spans' labels, if asked), both written whole or neither."""
    tasks_json = json.dumps(tasks, ensure_ascii=False, indent=2) + "\n"
    write_atomic({path: tasks_json, config: label_config(schema, evidence)})
