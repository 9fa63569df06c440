"""Text preparation shared by training and classification: boilerplate cleaning and windows.

Scraped news pages carry page furniture ("loading...", "BACA JUGA:" links, credit tags, captions,
a body pasted twice). `clean_text` removes it line by line and keeps every sentence of the article
proper. `make_windows` cuts an article into overlapping token windows so that nothing is
truncated; `pool_windows` combines the windows' logits into the article's.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import torch
    from tokenizers import Tokenizer
    from transformers import PreTrainedTokenizerFast

_FLAGS = re.IGNORECASE
# Whole lines that are page furniture, never article text.
_BOILERPLATE_LINE = re.compile(
    r"""(?:
        loading\W*
      | (?:berita|artikel)\s+(?:sebelumnya|selanjutnya|terkait|lainnya)\W*
      | komentar(?:\s*\(\d+\))?\W* | \d+\s+komentar\W*
      | (?:silakan|simak|ikuti|dapatkan|baca)\b.{0,120}\b(?:google\s+news|whatsapp|telegram)\b.*
      | silakan\s+baca\s+konten\s+menarik\s+lainnya.*
      | scroll\s+(?:to|untuk)\s+(?:continue|resume|lanjut).*
      | advertisement\W* | iklan\W* | sponsored\W*
      | sumber\s*:\s*https?://\S+
      | (?:foto|photo|video)\s*:.{0,100}
      | (?:editor|penulis|reporter|pewarta|redaktur|tags?)\s*:[^.!?]{0,80}
    )""",
    _FLAGS | re.VERBOSE,
)
# "BACA JUGA: <related headline>", possibly running straight into the next sentence.
_READ_ALSO = re.compile(r"(?:baca|lihat|simak)\s+(?:juga|pula)\s*:?\s*(?P<rest>.*)", _FLAGS)
# A headline glued to the next sentence: "…di JepangKarena Korea Utara…".
_RUN_IN = re.compile(r"(?<=[a-z0-9])(?=[A-Z][a-z])")
# A caption ends with a photo credit: "… Foto: AP Photo/Susan Walsh" or "… (Sumber: AFP)".
_CAPTION_END = re.compile(
    r"(?:(?:^|[.!?\s])(?:foto|photo)\s*:\s*[^.!?]{1,80}|\((?:foto|sumber)\s*:\s*[^)]{1,60}\))\s*$",
    _FLAGS,
)
# An editor's credit tag at the end of a line: "(esn)", "[lt/uh]".
_CREDIT_TAG = re.compile(r"\s*[\[(][a-z]{2,5}(?:/[a-z]{2,5})*[\])]\s*$")
# The site name a page appends to its repeated title: "… - GenPI.co".
_SITE_SUFFIX = re.compile(r"\s+[-–|]\s+[\w.-]+\.(?:co|com|id|net|org|news|vn)(?:\.\w{2})?$", _FLAGS)
_MIN_RUN_IN_WORDS = 4


def clean_text(text: str) -> str:
    """Remove scraped-page boilerplate and repeated lines; keep the article's sentences."""
    return "\n".join(line.text for line in clean_lines(normalise(text)[0]))


@dataclass(frozen=True)
class CleanLine:
    """A line that survives cleaning, and the normalised line it was cut from."""

    text: str
    raw: str
    start: int
    """Where `raw` begins in the normalised text."""


def clean_lines(normalised: str) -> Iterator[CleanLine]:
    """The lines of a normalised text that `clean_text` keeps, in order, each cleaned."""
    seen: set[str] = set()
    start = 0
    for raw in normalised.split("\n"):
        line = _clean_line(raw)
        key = _SITE_SUFFIX.sub("", " ".join(line.lower().split()))
        if line and key not in seen:
            seen.add(key)
            yield CleanLine(line, raw, start)
        start += len(raw) + 1


def normalise(text: str) -> tuple[str, list[int]]:
    """The text in NFC with one kind of line break and no control characters, and for each of
    its characters (and its end) the offset in `text` it came from."""
    kept: list[str] = []
    origin: list[int] = []
    for start, cluster in _clusters(text):
        for char in cluster:
            if char == "\r" and text[start + 1 : start + 2] == "\n":
                continue
            if char in "\r\n\t" or unicodedata.category(char)[0] != "C":
                kept.append("\n" if char == "\r" else " " if char in "\t\u00a0" else char)
                origin.append(start)
    origin.append(len(text))
    return "".join(kept), origin


def _clusters(text: str) -> Iterator[tuple[int, str]]:
    """The text in NFC, cut where composition never crosses: a character and the combining marks
    after it, each with its offset in `text`. Text already in NFC is one character a cluster."""
    if unicodedata.is_normalized("NFC", text):
        yield from enumerate(text)
        return
    start = 0
    for end in range(1, len(text) + 1):
        if end == len(text) or not unicodedata.combining(text[end]):
            yield start, unicodedata.normalize("NFC", text[start:end])
            start = end


def _clean_line(line: str) -> str:
    line = " ".join(line.split())
    if sum(char.isalnum() for char in line) < 2 or _BOILERPLATE_LINE.fullmatch(line):
        return ""
    read_also = _READ_ALSO.fullmatch(line)
    if read_also:
        return _sentence_after_headline(read_also["rest"])
    if _CAPTION_END.search(line):
        return ""
    return _CREDIT_TAG.sub("", line)


def _sentence_after_headline(rest: str) -> str:
    """Keep the sentence a "BACA JUGA" headline ran into, if there is one."""
    glued = _RUN_IN.search(rest)
    if not glued:
        return ""
    sentence = rest[glued.start() :]
    return _CREDIT_TAG.sub("", sentence) if len(sentence.split()) >= _MIN_RUN_IN_WORDS else ""


@dataclass(frozen=True)
class WindowSettings:
    """How an article becomes token windows and how their scores combine (set by the recipe)."""

    max_length: int
    stride: int
    pooling: str


POOLING_METHODS = ("max", "mean")


def make_windows(
    tokenizer: Tokenizer | PreTrainedTokenizerFast, texts: list[str], settings: WindowSettings
) -> tuple[list[list[int]], list[int]]:
    """Token windows covering every text whole, and for each window the index of its text.

    A text gets as few windows as fit `settings.max_length` (special tokens included), all of
    about the same length and overlapping by `settings.stride` tokens: no short tail window to
    pad in a batch or to score on a few words. Takes a `tokenizers.Tokenizer` or a transformers
    fast tokenizer (its `backend_tokenizer`), so scoring needs no transformers.
    """
    backend = getattr(tokenizer, "backend_tokenizer", tokenizer)
    backend.no_truncation()  # a saved tokenizer.json may carry its last call's settings
    backend.no_padding()
    prefix, suffix = _special_tokens(backend)
    room = settings.max_length - len(prefix) - len(suffix)
    windows: list[list[int]] = []
    text_index: list[int] = []
    for index, encoding in enumerate(backend.encode_batch(texts, add_special_tokens=False)):
        ids = encoding.ids
        size = _balanced_window(len(ids), room, settings.stride)
        for start in range(0, max(len(ids) - settings.stride, 1), size - settings.stride):
            windows.append(prefix + ids[start : start + size] + suffix)
            text_index.append(index)
    return windows, text_index


def pad_windows(windows: list[list[int]], multiple_of: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Token ids and attention mask of a batch of windows, padded to the longest window rounded up
    to `multiple_of`. The attention mask hides the padding completely, so its token id (0) never
    changes a score."""
    width = -(-max(map(len, windows)) // multiple_of) * multiple_of
    ids = np.zeros((len(windows), width), dtype=np.int64)
    mask = np.zeros_like(ids)
    for row, window in enumerate(windows):
        ids[row, : len(window)] = window
        mask[row, : len(window)] = 1
    return ids, mask


def _special_tokens(tokenizer: Tokenizer) -> tuple[list[int], list[int]]:
    """The ids a tokenizer puts before and after a text: `[CLS]` and `[SEP]` for BERT."""
    plain = tokenizer.encode("a", add_special_tokens=False).ids
    full = tokenizer.encode("a", add_special_tokens=True).ids
    start = next(i for i in range(len(full)) if full[i : i + len(plain)] == plain)
    return full[:start], full[start + len(plain) :]


def _balanced_window(n_tokens: int, room: int, stride: int) -> int:
    """The length of the fewest equal windows of at most `room` tokens that cover `n_tokens`."""
    count = max(1, -(-(n_tokens - stride) // (room - stride)))
    return max(stride + 1, -(-(n_tokens + (count - 1) * stride) // count))


def pool_windows(
    window_logits: torch.Tensor, text_index: torch.Tensor, n_texts: int, pooling: str
) -> torch.Tensor:
    """Combine per-window logits (windows × themes) into per-text logits (texts × themes).

    Training and prediction both use this, so a model is trained on the article scores it will
    be judged by. `max` keeps each theme's strongest window; `mean` averages the windows.
    """
    import torch

    index = text_index.to(window_logits.device).unsqueeze(1).expand_as(window_logits)
    empty = torch.zeros(
        n_texts, window_logits.shape[1], dtype=window_logits.dtype, device=window_logits.device
    )
    reduce = "amax" if pooling == "max" else "mean"
    return empty.scatter_reduce(0, index, window_logits, reduce=reduce, include_self=False)


def pool_window_scores(
    window_logits: np.ndarray, text_index: list[int], n_texts: int, pooling: str
) -> np.ndarray:
    """`pool_windows` in NumPy, for scoring without torch. Windows of a text are consecutive."""
    starts = np.searchsorted(text_index, np.arange(n_texts))
    if pooling == "max":
        return np.maximum.reduceat(window_logits, starts, axis=0)
    counts = np.diff(np.append(starts, len(text_index)))
    return np.add.reduceat(window_logits, starts, axis=0) / counts[:, None]
