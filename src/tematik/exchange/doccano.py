"""doccano: the JSONL export of a text-classification project read as tematik annotations."""

from __future__ import annotations

from tematik.exchange.formats import ExportFile
from tematik.exchange.imported import Imported
from tematik.schema import Schema

ARTICLE_ID = "article_id"  # a tematik article id, when the example came from tematik
KEPT_FIELDS = {"id", "text", "label", "labels", ARTICLE_ID, "url", "source", "note"}
NOT_REPORTED = {"Comments"}  # doccano's own bookkeeping: dropped without a notice


def read_doccano(export: ExportFile, schema: Schema) -> Imported:
    """The examples of a doccano text-classification JSONL export (`label` or `labels`). Each
    export is one annotator's (doccano exports a project's labels merged, or one user's)."""
    imported = Imported(schema)
    for number, line in enumerate(export.text.split("\n"), 1):
        if line.strip():
            _import_example(f"{export.path}:{number}", number, line, imported, str(export.path))
    return imported


def _import_example(where: str, number: int, line: str, imported: Imported, annotator: str) -> None:
    entry = imported.item(line, where)
    if entry is None:
        return
    labels = entry.get("label", entry.get("labels"))
    if not isinstance(labels, list) or not all(isinstance(label, str) for label in labels):
        imported.problems.append(
            f'{where}: "label" must be a list of category names; export a text-classification '
            "project as JSONL"
        )
        return
    unknown = [label for label in labels if not imported.theme_of(label)]
    if unknown:
        imported.problems.append(
            f"{where}: unknown label {', '.join(map(repr, unknown))}; {imported.known()}"
        )
        return
    example = f"example {entry['id']}" if "id" in entry else f"line {number}"
    article_id = entry.get(ARTICLE_ID) or f"doccano-{entry.get('id', f'line-{number}')}"
    source = entry.get("url") or entry.get("source") or f"doccano {example}"
    themes = [imported.theme_of(label) for label in labels]
    imported.add(article_id, entry["text"], themes, where, str(source), entry.get("note"))
    imported.judge(article_id, annotator, themes, entry["text"])
    imported.drop(entry.keys() - KEPT_FIELDS - NOT_REPORTED)
