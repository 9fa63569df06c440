"""What a file given to `tematik import` is: judged by its structure and first item, so that the
export of another tool, or another format of the right tool, gets one line naming the fix."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from tematik.errors import TematikError
from tematik.files import parse_json, read_utf8


class ExportKind(Enum):
    """The kinds of file an annotation tool writes, with what a user sees it as."""

    LABEL_STUDIO = "a Label Studio JSON export"
    LABEL_STUDIO_MIN = "a Label Studio JSON-MIN export"
    LABEL_STUDIO_TABLE = "a Label Studio CSV or TSV export"
    DOCCANO = "JSON Lines, one object per line, as doccano exports"
    DOCCANO_ARRAY = "a doccano JSON export (one array)"
    DOCCANO_NUMBERED = "a doccano export from before version 1.0 (labels as numbers)"
    DOCCANO_TABLE = "a doccano CSV export"
    FASTTEXT = "a fastText file (__label__ prefixes), as doccano exports"
    PRODIGY = "a Prodigy dataset (prodigy db-out)"
    SPACY = "spaCy training data"
    TABLE = "a CSV or TSV table"
    OTHER = "neither JSON nor JSON Lines"


TOOL_KINDS = {
    "label-studio": ExportKind.LABEL_STUDIO,
    "doccano": ExportKind.DOCCANO,
    "prodigy": ExportKind.PRODIGY,
}
_AS_JSON = "export the project from Label Studio as JSON and import it with --from label-studio"
_AS_JSONL = "export the doccano project as JSONL and import it with --from doccano"
_EXPORT_JSON = (
    "export JSON from the annotation tool (Label Studio: JSON, doccano: JSONL, Prodigy: "
    "prodigy db-out DATASET > DATASET.jsonl) and import that"
)
FIXES = {
    ExportKind.LABEL_STUDIO: "import it with --from label-studio",
    ExportKind.LABEL_STUDIO_MIN: "it keeps no annotators' choices to settle; export the project "
    "from Label Studio as JSON (not JSON-MIN) and import that with --from label-studio",
    ExportKind.LABEL_STUDIO_TABLE: _AS_JSON,
    ExportKind.DOCCANO: "import it with --from doccano",
    ExportKind.DOCCANO_ARRAY: _AS_JSONL,
    ExportKind.DOCCANO_NUMBERED: "export the project again from doccano 1.0 or later as JSONL, "
    "which names the labels, and import it with --from doccano",
    ExportKind.DOCCANO_TABLE: _AS_JSONL,
    ExportKind.FASTTEXT: _AS_JSONL,
    ExportKind.PRODIGY: "import it with --from prodigy",
    ExportKind.SPACY: "import the annotations it was converted from instead (Prodigy: prodigy "
    "db-out DATASET > DATASET.jsonl, then --from prodigy; doccano: JSONL, then --from doccano)",
    ExportKind.TABLE: _EXPORT_JSON,
    ExportKind.OTHER: _EXPORT_JSON,
}
_LABEL_STUDIO_COLUMNS = {"annotation_id", "annotator", "lead_time"}
_PRODIGY_KEYS = {"_input_hash", "_task_hash", "answer"}


@dataclass(frozen=True)
class ExportFile:
    """A file given to `tematik import`: its kind, its text, and the text parsed as one JSON
    document (or the JSONDecodeError saying why it is none)."""

    path: Path
    kind: ExportKind
    text: str
    document: object


def read_export(path: Path, tool: str) -> ExportFile:
    """The file, read once; one line naming the fix when it is not what `--from tool` reads."""
    if path.suffix == ".spacy":
        kind, text, document = ExportKind.SPACY, "", None
    else:
        text = read_utf8(path)
        kind, document = export_kind(text)
    if isinstance(document, json.JSONDecodeError) and text.lstrip().startswith("["):
        raise TematikError(
            f"{path}: not a JSON file ({document.msg} at line {document.lineno}); "
            "if it was cut short, export it again"
        )
    if kind is not TOOL_KINDS[tool]:
        raise TematikError(f"{path}: {kind.value}, not what --from {tool} reads; {FIXES[kind]}")
    return ExportFile(path, kind, text, document)


def export_kind(text: str) -> tuple[ExportKind, object]:
    """The kind of export `text` is, and `text` parsed as one JSON document (or the error)."""
    try:
        whole = parse_json(text)
    except json.JSONDecodeError as error:
        return _kind_of_lines(text), error
    if isinstance(whole, dict):  # JSON Lines of one line
        return _kind_of_item(whole), whole
    if isinstance(whole, list) and all(isinstance(item, dict) for item in whole[:1]):
        return _kind_of_array(whole[0] if whole else {"data": {}}), whole
    return ExportKind.OTHER, whole


def _kind_of_array(first: dict) -> ExportKind:
    if "data" in first:
        return ExportKind.LABEL_STUDIO
    if "paragraphs" in first:
        return ExportKind.SPACY
    if _LABEL_STUDIO_COLUMNS & first.keys() or not {"label", "labels"} & first.keys():
        return ExportKind.LABEL_STUDIO_MIN  # JSON-MIN flattens each task's data
    return ExportKind.DOCCANO_ARRAY


def _kind_of_item(item: dict) -> ExportKind:
    """The kind of a JSON Lines file, judged by its first object."""
    if _PRODIGY_KEYS & item.keys():
        return ExportKind.PRODIGY
    annotations = item.get("annotations")
    if isinstance(annotations, list) and any(
        isinstance(a, dict) and isinstance(a.get("label"), int) for a in annotations
    ):
        return ExportKind.DOCCANO_NUMBERED
    return ExportKind.DOCCANO


def _kind_of_lines(text: str) -> ExportKind:
    """The kind of a text that is not one JSON document, judged by its first line."""
    first = next((line.strip() for line in text.split("\n") if line.strip()), "")
    if first.startswith("{"):
        try:
            item = parse_json(first)
        except json.JSONDecodeError:
            return ExportKind.OTHER
        return _kind_of_item(item) if isinstance(item, dict) else ExportKind.OTHER
    if first.startswith("__label__"):
        return ExportKind.FASTTEXT
    if not first.startswith("[") and ("," in first or "\t" in first):
        return _kind_of_table(first)
    return ExportKind.OTHER


def _kind_of_table(header: str) -> ExportKind:
    columns = {c.strip() for c in next(csv.reader([header], delimiter=_delimiter(header)))}
    if _LABEL_STUDIO_COLUMNS & columns:
        return ExportKind.LABEL_STUDIO_TABLE
    if "label" in columns:
        return ExportKind.DOCCANO_TABLE
    return ExportKind.TABLE


def _delimiter(header: str) -> str:
    return "\t" if "\t" in header else ","
