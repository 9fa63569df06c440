"""Articles to classify: `.txt` files, folders of them, `.jsonl` files and standard input."""

from __future__ import annotations

import itertools
import json
import sys
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

STDIN = "-"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# The longest article read: 2 MB is about 300,000 words, hundreds of times a long feature. A
# larger .txt file is a dump or a mistake, and scoring it whole would take hours.
MAX_ARTICLE_BYTES = 2_000_000
TOO_LARGE = (
    f"larger than {MAX_ARTICLE_BYTES // 1_000_000} MB, too large for one article; "
    "split it into one file per article, or one JSON Lines row per article"
)


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
    """Every article in `paths`, in order, with an `Unreadable` for each input that fails.

    JSON Lines are read line by line, so memory does not grow with the number of articles.
    """
    for name in paths:
        if name == STDIN:
            yield from _from_stream(STDIN, stdin or sys.stdin.buffer)
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
        with path.open("rb") as stream:
            if path.suffix.lower() == ".jsonl":
                yield from _from_jsonl(str(path), _utf8_lines(stream))
            else:
                yield from _from_text(str(path), stream.read(MAX_ARTICLE_BYTES + 1))
    except OSError as error:
        yield Unreadable(str(path), f"cannot read ({error.strerror})")
    except ValueError as error:  # a UTF-16 JSON Lines file that does not decode
        yield Unreadable(str(path), str(error))


def _utf8_lines(stream: BinaryIO) -> Iterable[bytes]:
    """The stream's lines; a UTF-16 file (which cannot be split on b"\\n") is re-encoded whole."""
    if stream.peek(2)[:2] not in UTF16_BOMS:
        return stream
    # Split at "\n" only, as UTF-8 lines are: a text may hold U+2028 or U+0085 unescaped.
    return (line.encode() for line in decode(stream.read()).split("\n"))


def _from_stream(name: str, stream: BinaryIO) -> Iterator[Article | Unreadable]:
    """Standard input: JSON Lines when it starts with `{`, otherwise one article."""
    first = stream.readline()
    if first.lstrip().startswith(b"{"):
        yield from _from_jsonl(name, itertools.chain([first], stream))
    else:
        yield from _from_text(name, first + stream.read(MAX_ARTICLE_BYTES))


def _from_text(name: str, data: bytes) -> Iterator[Article | Unreadable]:
    if len(data) > MAX_ARTICLE_BYTES:
        yield Unreadable(name, TOO_LARGE)
        return
    try:
        text = decode(data)
    except ValueError as error:
        yield Unreadable(name, str(error))
        return
    if text.strip():
        yield Article(name, text)
    else:
        yield Unreadable(name, "empty, no text to classify")


def decode(data: bytes) -> str:
    """Text of a file: UTF-8 (with or without BOM), UTF-16 with BOM, or else Windows-1252 (the
    usual encoding of older Western and Indonesian sites; Latin-1 where it has no character).
    ValueError for binary data."""
    if data.startswith(UTF16_BOMS):
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


def _from_jsonl(name: str, lines: Iterable[bytes]) -> Iterator[Article | Unreadable]:
    empty = True
    for number, raw in enumerate(lines, 1):
        where = f"{name}:{number}"
        if len(raw) > MAX_ARTICLE_BYTES:
            empty = False
            yield Unreadable(where, TOO_LARGE)
            continue
        try:
            line = decode(raw)
        except ValueError as error:
            yield Unreadable(where, str(error))
            continue
        if not line.strip():
            continue
        empty = False
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
    if empty:
        yield Unreadable(name, "empty, no text to classify")
