"""Articles to classify: `.txt` files, folders of them, `.jsonl` files and standard input."""

from __future__ import annotations

import json
import sys
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

STDIN = "-"


@dataclass(frozen=True)
class Article:
    id: str
    text: str


@dataclass(frozen=True)
class Unreadable:
    """An input that yields no article, and why (one line for the user)."""

    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


def read_articles(
    paths: Iterable[str], stdin: BinaryIO | None = None
) -> Iterator[Article | Unreadable]:
    """Every article in `paths`, in order, with an `Unreadable` for each input that fails."""
    for name in paths:
        if name == STDIN:
            yield from _from_bytes(STDIN, (stdin or sys.stdin.buffer).read())
            continue
        path = Path(name)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*.txt") if p.is_file())
            if not files:
                yield Unreadable(name, "folder holds no .txt file")
            for file in files:
                yield from _from_file(file)
        elif path.is_file():
            yield from _from_file(path)
        else:
            yield Unreadable(name, "no such file or folder")


def _from_file(path: Path) -> Iterator[Article | Unreadable]:
    try:
        data = path.read_bytes()
    except OSError as error:
        yield Unreadable(str(path), f"cannot read ({error.strerror})")
        return
    yield from _from_bytes(str(path), data, jsonl=path.suffix.lower() == ".jsonl")


def _from_bytes(
    name: str, data: bytes, jsonl: bool | None = None
) -> Iterator[Article | Unreadable]:
    try:
        text = decode(data)
    except ValueError as error:
        yield Unreadable(name, str(error))
        return
    if not text.strip():
        yield Unreadable(name, "empty, no text to classify")
        return
    if jsonl is None:
        jsonl = text.lstrip().startswith("{")
    if jsonl:
        yield from _from_jsonl(name, text)
    else:
        yield Article(name, text)


def decode(data: bytes) -> str:
    """Text of a file: UTF-8 (with or without BOM), UTF-16 with BOM, or else Windows-1252 (the
    usual encoding of older Western and Indonesian sites; Latin-1 where it has no character).
    ValueError for binary data."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise ValueError("starts like UTF-16 but does not decode as UTF-16") from None
    if b"\x00" in data:
        raise ValueError("binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    controls = sum(unicodedata.category(c) == "Cc" and c not in "\n\r\t\f" for c in text)
    if controls > len(text) // 100:
        raise ValueError("binary file, not text")
    return text


def _from_jsonl(name: str, text: str) -> Iterator[Article | Unreadable]:
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{name}:{number}"
        try:
            entry = json.loads(line)
        except json.JSONDecodeError as error:
            yield Unreadable(where, f"invalid JSON ({error.msg})")
            continue
        if not isinstance(entry, dict) or not isinstance(entry.get("text"), str):
            yield Unreadable(where, 'expected a JSON object with a "text" field')
        elif not entry["text"].strip():
            yield Unreadable(where, "empty text")
        else:
            yield Article(str(entry.get("id", where)), entry["text"])
