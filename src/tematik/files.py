"""The user's text files: read with one message naming the file, written whole or not at all."""

from __future__ import annotations

import os
from pathlib import Path

from tematik.errors import TematikError


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


def write_atomic(path: Path, text: str) -> None:
    """Write a file whole or not at all: a temporary file beside it, renamed into place."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    except OSError as error:
        raise TematikError(f"{path}: cannot write ({error.strerror})") from None
    finally:
        temporary.unlink(missing_ok=True)
