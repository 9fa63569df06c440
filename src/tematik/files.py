"""The user's text files: read with one message naming the file, written whole or not at all."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from tematik.errors import TematikError, reason


def read_utf8(path: Path, if_missing: str = "") -> str:
    """A UTF-8 text file's contents (a BOM is dropped), or a TematikError `file:line: problem`
    for a missing, unreadable, zipped, binary or wrongly encoded file (`if_missing`: the fix)."""
    if path.is_dir():
        raise TematikError(f"{path}:0: a folder, not a file; name the file inside")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        fix = f"; {if_missing}" if if_missing else ""
        raise TematikError(f"{path}:0: file not found{fix}") from None
    except OSError as error:
        raise TematikError(f"{path}:0: cannot read this file ({error.strerror})") from None
    if data.startswith(b"PK\x03\x04"):
        raise TematikError(f"{path}:0: a zip archive; unzip it and use the file inside")
    if b"\x00" in data:
        raise TematikError(f"{path}:0: binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise TematikError(f"{path}:{line}: not UTF-8 text; save the file as UTF-8") from None


def parse_json(text: str) -> object:
    """`json.loads` of a user's text, failing only with `json.JSONDecodeError`: Python's parser
    also raises RecursionError on deep nesting and ValueError on an integer of 4,301 digits."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise
    except (RecursionError, ValueError) as error:
        problem = "nested too deeply" if isinstance(error, RecursionError) else "number too long"
        raise json.JSONDecodeError(problem, text, 0) from None


def parse_yaml(text: str, what: str) -> object:
    """`yaml.safe_load` of a user's text, or a TematikError `what (the parser's reason)`.
    PyYAML loads here, not at start-up: it takes 12 ms, and classifying reads no YAML."""
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise TematikError(f"{what} ({reason(error)})") from None


class RowProblem(ValueError):
    """What is wrong with one row of a JSON Lines file, as its user reads it."""


def parse_row(line: str) -> object:
    """One JSON Lines row parsed; a RowProblem naming the column where it breaks."""
    try:
        return parse_json(line)
    except json.JSONDecodeError as error:
        raise RowProblem(f"invalid JSON ({error.msg} at column {error.colno})") from None


def text_entry(entry: object) -> dict:
    """A parsed row or item that is an object with a non-empty `text`; a RowProblem otherwise."""
    if not isinstance(entry, dict) or not isinstance(entry.get("text"), str):
        raise RowProblem('expected a JSON object with a "text" field')
    if not entry["text"].strip():
        raise RowProblem("empty text")
    return entry


def check_destinations(paths: Iterable[Path], overwrite: bool) -> None:
    """Before any work: every path can take a new file, replacing one only if `overwrite`."""
    for path in paths:
        if path.is_dir():
            raise TematikError(f"{path}: a folder; name a file to write")
        if path.exists() and not overwrite:
            raise TematikError(
                f"{path}: already exists; pass --overwrite to replace it, or name another file"
            )


def write_atomic(files: Mapping[Path, str]) -> None:
    """Write every file whole, or none: each goes to a temporary file beside it, and they are
    renamed into place once all are written."""
    check_destinations(files, overwrite=True)
    temporary = {path: path.with_name(f".{path.name}.{os.getpid()}.tmp") for path in files}
    try:
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary[path].write_text(text, encoding="utf-8")
            ordinary_permissions(temporary[path])
        for path in files:
            os.replace(temporary[path], path)
    except OSError as error:
        raise TematikError(f"{path}: cannot write ({error.strerror})") from None
    finally:
        for leftover in temporary.values():
            leftover.unlink(missing_ok=True)


def ordinary_permissions(root: Path) -> None:
    """Give `root` and all under it the modes of `open` / `mkdir`: 0o666 / 0o777 less the umask."""
    # safetensors writes weights 0o600 and tempfile.mkdtemp makes 0o700: unreadable to others.
    umask = os.umask(0o022)  # the one way to read it: set it, then put it back
    os.umask(umask)
    for path in [root, *(root.rglob("*") if root.is_dir() else ())]:
        path.chmod((0o777 if path.is_dir() else 0o666) & ~umask)


def swap_into_place(finished: Path, target: Path) -> None:
    """Move the complete directory `finished` to `target` on the same file system, replacing any
    directory there, by renames only: a reader sees the old one or the new one, never a mix."""
    ordinary_permissions(finished)
    target.parent.mkdir(parents=True, exist_ok=True)
    previous = target.with_name(target.name + ".previous")
    if target.exists():
        shutil.rmtree(previous, ignore_errors=True)
        target.rename(previous)
    finished.rename(target)
    shutil.rmtree(previous, ignore_errors=True)


@contextmanager
def staged_directory(target: Path) -> Iterator[Path]:
    """A path (not yet created) to build a directory at, beside `target`; when the block ends
    without an error it replaces `target` (`swap_into_place`), and nothing is left otherwise."""
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(
        tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".incomplete", dir=target.parent)
    )
    try:
        staging = work / target.name
        yield staging
        swap_into_place(staging, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
