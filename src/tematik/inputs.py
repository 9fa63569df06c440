"""Articles to classify: text files, folders of `.txt` files, `.jsonl` and `.json` files, stdin."""

from __future__ import annotations

import itertools
import json
import sys
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from tematik.files import RowProblem, parse_json, parse_row, text_entry

STDIN = "-"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# The longest article read: 100 KB is about 15,000 words, several times the longest news feature
# (the project's corpora peak at 6 KB). A larger text is a dump or several articles in one, and
# scoring it as one would take minutes and mean nothing.
MAX_ARTICLE_BYTES = 100_000
TOO_LARGE = (
    f"larger than {MAX_ARTICLE_BYTES // 1000} KB, too large for one article; split it into one "
    "file per article, or one JSON Lines row per article"
)
NO_ARTICLES = (
    'holds no articles: expected JSON Lines or a JSON array of objects with a "text" field'
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
            suffix = path.suffix.lower()
            if suffix == ".jsonl":
                yield from _from_jsonl(str(path), _utf8_lines(stream))
            elif suffix == ".json":
                yield from _from_json(str(path), stream.read())
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
    """Rows of JSON Lines, each an article or the reason it is none. A binary file, or one whose
    first row is no object with a text, is one Unreadable for the file, not one per line."""
    first = True
    for number, raw in enumerate(lines, 1):
        where = f"{name}:{number}"
        if len(raw) > MAX_ARTICLE_BYTES:
            first = False
            yield Unreadable(where, TOO_LARGE)
            continue
        try:
            line = decode(raw)
        except ValueError as error:
            yield Unreadable(name, str(error))
            return
        if not line.strip():
            continue
        try:
            entry = parse_row(line)
        except RowProblem as problem:
            entry = problem
        if first and not _has_text(entry):
            yield Unreadable(name, f"{NO_ARTICLES} (line {number})")
            return
        first = False
        yield _article(where, entry)
    if first:
        yield Unreadable(name, "empty, no text to classify")


def _from_json(name: str, data: bytes) -> Iterator[Article | Unreadable]:
    """A .json file: an array of objects with a text, one such object, or JSON Lines."""
    try:
        text = decode(data)
    except ValueError as error:
        yield Unreadable(name, str(error))
        return
    try:
        entries = parse_json(text)
    except json.JSONDecodeError:
        yield from _from_jsonl(name, (line.encode() for line in text.split("\n")))
        return
    entries = entries if isinstance(entries, list) else [entries]
    if not entries:
        yield Unreadable(name, "empty, no text to classify")
    elif not _has_text(entries[0]):
        yield Unreadable(name, NO_ARTICLES)
    else:
        yield from (_article(f"{name}#{n}", entry) for n, entry in enumerate(entries, 1))


def _has_text(entry: object) -> bool:
    return isinstance(entry, dict) and isinstance(entry.get("text"), str)


def _article(where: str, entry: object) -> Article | Unreadable:
    """The article a parsed JSON row or item holds (`id` names it, else `where`), or why not."""
    try:
        if isinstance(entry, RowProblem):
            raise entry
        entry = text_entry(entry)
    except RowProblem as problem:
        return Unreadable(where, str(problem))
    if len(entry["text"]) > MAX_ARTICLE_BYTES:
        return Unreadable(where, TOO_LARGE)
    return Article(str(entry.get("id", where)), entry["text"])
