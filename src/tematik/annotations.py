"""Annotation files (`labels/*.jsonl`): reading, validation and summary counts."""

from __future__ import annotations

import glob
import json
import statistics
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tematik.errors import TematikError
from tematik.files import RowProblem, parse_row, read_utf8, write_atomic
from tematik.schema import Schema

DEFAULT_ANNOTATIONS = "labels/*.jsonl"
REQUIRED_FIELDS = ("id", "text", "labels")
COLUMNS = (*REQUIRED_FIELDS, "source", "note")
"""The columns of every annotation file tematik writes, on every line: files read together
need one set of columns for `datasets.load_dataset("json", ...)` to load them together."""


@dataclass(frozen=True)
class Record:
    """One annotated article, validated against the schema."""

    id: str
    text: str
    labels: tuple[str, ...]
    extra: dict = field(default_factory=dict, compare=False)


@dataclass
class AnnotationSet:
    """Every valid record of a set of files, and every problem found in them."""

    records: list[Record]
    problems: list[str]
    files: list[str]
    columns: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    """Per file, the JSON types each of its columns holds (null left out)."""

    def column_problems(self) -> list[str]:
        """Why `datasets` could not load these files together: their columns differ, or a column
        holds values of different JSON types."""
        if not self.columns:
            return []
        first, *others = self.columns
        problems = [_mixed_types(path, columns) for path, columns in self.columns.items()]
        problems += [
            _other_columns(path, self.columns[path], first, self.columns[first]) for path in others
        ]
        return [problem for problem in problems if problem]

    def summary(self, schema: Schema) -> dict:
        """Counts a person checks before training: articles, themes, length in words."""
        words = [len(record.text.split()) for record in self.records] or [0]
        return {
            "files": self.files,
            "articles": len(self.records),
            "per_theme": theme_counts(self.records, schema),
            "no_theme": sum(1 for record in self.records if not record.labels),
            "words": {"min": min(words), "median": statistics.median(words), "max": max(words)},
        }


def theme_counts(records: Iterable[Record], schema: Schema) -> dict[str, int]:
    """How many articles carry each theme, in schema order."""
    counts = Counter(label for record in records for label in record.labels)
    return {theme_id: counts[theme_id] for theme_id in schema.ids}


def expand_paths(patterns: Iterable[str | Path]) -> list[Path]:
    """Turn files, folders (their *.jsonl) and glob patterns into a list of files.

    A path that exists is taken as it is, whatever characters its name holds (`berita [1].jsonl`);
    only a path that does not exist is read as a pattern, relative or absolute.
    """
    paths: list[Path] = []
    for pattern in map(str, patterns):
        path = Path(pattern)
        if path.is_dir():
            inside = sorted(path.glob("*.jsonl"))
            if not inside:
                raise TematikError(f"{pattern}: no *.jsonl annotation file in this folder")
            paths.extend(inside)
        elif path.exists() or not any(char in pattern for char in "*?["):
            paths.append(path)
        else:
            matches = sorted(map(Path, glob.glob(pattern, recursive=True)))
            if not matches:
                raise TematikError(f"{pattern}: no annotation file matches this pattern")
            paths.extend(matches)
    return list(dict.fromkeys(paths))


def read_annotations(patterns: Iterable[str | Path], schema: Schema) -> AnnotationSet:
    """Read annotation files, collecting every problem as `file:line: message`."""
    files = expand_paths(patterns)
    records: list[Record] = []
    problems: list[str] = []
    columns: dict[str, dict[str, set[str]]] = {}
    seen_ids: dict[str, str] = {}
    seen_texts: dict[str, str] = {}
    for path in files:
        file_columns = columns.setdefault(str(path), {})
        for where, record in _read_file(path, schema, problems):
            for name, value in _columns(record).items():
                file_columns.setdefault(name, set()).update(_json_type(value))
            if record.id in seen_ids:
                problems.append(f"{where}: id {record.id!r} already used at {seen_ids[record.id]}")
                continue
            text_key = " ".join(record.text.split())
            if text_key in seen_texts:
                problems.append(
                    f"{where}: same text as {seen_texts[text_key]}; remove one of the two"
                )
                continue
            seen_ids[record.id] = seen_texts[text_key] = where
            records.append(record)
    return AnnotationSet(records, problems, [str(p) for p in files], columns)


def load_annotations(patterns: Iterable[str | Path], schema: Schema) -> list[Record]:
    """Read annotation files for training or evaluation; any problem stops with all of them."""
    annotations = read_annotations(patterns, schema)
    if annotations.problems:
        listing = "\n".join(annotations.problems)
        raise TematikError(f"{listing}\nfix these lines (`tematik validate` lists them) and retry")
    if not annotations.records:
        raise TematikError(f"{', '.join(annotations.files)}: no annotated article found")
    return annotations.records


def _read_file(path: Path, schema: Schema, problems: list[str]) -> Iterator[tuple[str, Record]]:
    try:
        text = read_utf8(path)
    except TematikError as error:
        problems.append(str(error))
        return
    if not text.strip():
        problems.append(f"{path}:0: file is empty; add one JSON object per line")
        return
    # JSON Lines ends a line at "\n" only: str.splitlines() would also cut at U+2028 or U+0085,
    # which json.dumps(..., ensure_ascii=False) leaves unescaped inside a text.
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        record_or_problem = parse_line(line, schema)
        if isinstance(record_or_problem, str):
            problems.append(f"{where}: {record_or_problem}")
        else:
            yield where, record_or_problem


def parse_line(line: str, schema: Schema) -> Record | str:
    """Parse one JSON Lines entry into a record, or return what is wrong with it."""
    try:
        entry = parse_row(line)
    except RowProblem as problem:
        return str(problem)
    if not isinstance(entry, dict):
        return "expected a JSON object with id, text and labels"
    missing = [name for name in REQUIRED_FIELDS if name not in entry]
    if missing:
        return f"missing field {', '.join(missing)}"
    if not isinstance(entry["id"], str) or not entry["id"].strip():
        return "id must be a non-empty string"
    if not isinstance(entry["text"], str) or not entry["text"].strip():
        return "text must be a non-empty string"
    if problem := labels_problem(entry["labels"], schema):
        return problem
    extra = {key: value for key, value in entry.items() if key not in REQUIRED_FIELDS}
    return Record(id=entry["id"], text=entry["text"], labels=tuple(entry["labels"]), extra=extra)


def labels_problem(labels: object, schema: Schema) -> str | None:
    """What is wrong with a row's `labels`, if anything: they are the schema's theme ids, each
    listed once."""
    if not isinstance(labels, list) or not all(isinstance(label, str) for label in labels):
        return 'labels must be a list of theme ids, e.g. ["diplomacy"] or []'
    unknown = [label for label in labels if label not in schema.ids]
    if unknown:
        return f"unknown label {', '.join(map(repr, unknown))}; known: {', '.join(schema.ids)}"
    if len(set(labels)) != len(labels):
        return "a label is listed twice"
    return None


def _columns(record: Record) -> dict[str, object]:
    return {"id": record.id, "text": record.text, "labels": list(record.labels), **record.extra}


def _json_type(value: object) -> set[str]:
    """The JSON type of a value, as a user reads it; none for null, which fits any column."""
    if value is None:
        return set()
    names = {bool: "true/false", int: "number", float: "number", str: "text", list: "a list"}
    return {names.get(type(value), "an object")}


_SAME_COLUMNS = (
    "datasets.load_dataset cannot load these files together; give every file the same columns "
    f"(tematik writes {', '.join(COLUMNS)})"
)


def _mixed_types(path: str, columns: dict[str, set[str]]) -> str | None:
    mixed = [
        f"{name} ({' and '.join(sorted(types))})"
        for name, types in columns.items()
        if len(types) > 1
    ]
    if mixed:
        return (
            f"{path}:0: values of different types in column {', '.join(mixed)}; "
            "datasets.load_dataset cannot load this file; give each column one type"
        )
    return None


def _other_columns(
    path: str, columns: dict[str, set[str]], first: str, expected: dict[str, set[str]]
) -> str | None:
    """How a file's columns differ from those of the first file read with it, if they do."""
    added, missing = (
        sorted(columns.keys() - expected.keys()),
        sorted(expected.keys() - columns.keys()),
    )
    retyped = sorted(
        name
        for name in columns.keys() & expected.keys()
        if columns[name] and expected[name] and columns[name] != expected[name]
    )
    differences = [
        *([f"has {', '.join(added)}"] if added else []),
        *([f"lacks {', '.join(missing)}"] if missing else []),
        *([f"{', '.join(retyped)} of another type"] if retyped else []),
    ]
    if differences:
        return f"{path}:0: columns differ from {first} ({'; '.join(differences)}): {_SAME_COLUMNS}"
    return None


def write_annotations(records: Iterable[Record], path: Path) -> None:
    """An annotation file with the columns `COLUMNS` on every line, written whole or not at all."""
    lines = (json.dumps(_row(_columns(record)), ensure_ascii=False) + "\n" for record in records)
    write_atomic({path: "".join(lines)})


def _row(columns: dict[str, object]) -> dict[str, object]:
    """A record's values for `COLUMNS`, in their order; a column it lacks is empty text."""
    return {name: columns.get(name, "") for name in COLUMNS}
