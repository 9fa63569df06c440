"""Annotation tools: their exports read as tematik annotations (one module per tool), what a
file is when it is not the export asked for (`formats`), and Label Studio tasks written back."""

from __future__ import annotations

from pathlib import Path

from tematik.errors import TematikError
from tematik.exchange.doccano import read_doccano
from tematik.exchange.formats import read_export
from tematik.exchange.imported import Imported
from tematik.exchange.label_studio import (
    annotation_tasks,
    label_config,
    prediction_tasks,
    read_label_studio,
    resolve,
    settling_tasks,
    write_label_studio,
)
from tematik.exchange.prodigy import read_prodigy
from tematik.schema import Schema

__all__ = [
    "Imported",
    "annotation_tasks",
    "import_export",
    "label_config",
    "prediction_tasks",
    "resolve",
    "settling_tasks",
    "write_label_studio",
]


def import_export(path: Path, tool: str, schema: Schema, control: str | None = None) -> Imported:
    """The annotations in `tool`'s export at `path`; `control`: Label Studio's themes control."""
    if control is not None and tool != "label-studio":
        raise TematikError("--control names a Label Studio control; leave it out for " + tool)
    export = read_export(path, tool)
    if tool == "label-studio":
        return read_label_studio(export, schema, control)
    return (read_doccano if tool == "doccano" else read_prodigy)(export, schema)
