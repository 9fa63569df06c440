"""Evidence: the sentences of an article that carry a theme, located in the text as it was given.

The trained model scores each sentence that survives cleaning on its own. A theme's evidence is
its best-scoring sentence, joined by the sentences next to it that reach the theme's threshold
on their own (at most `MAX_SENTENCES` in all). Boilerplate never becomes evidence: only cleaned
text is cited, a passage never spans text that cleaning removed, and its offsets are mapped back
to the original text so a tool can highlight it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from tematik.data import clean_lines, normalise

MAX_SENTENCES = 3
# A sentence ends at . ! or ? (and any closing quote or bracket) before a capital or a digit.
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])")
# A full stop that ends an abbreviation or an initial, not a sentence: "Dr. Retno", "H. Agus".
_ABBREVIATION = re.compile(
    r"(?:\b[A-Z]|\b(?:Bpk|Dr|dr|drg|Hj|Ir|Jl|Jln|KH|Kol|Letjen|Mayjen|Brigjen|Laksdya|Marsdya|"
    r"Mr|Mrs|Ms|No|Ny|Prof|Sdr|St|Tn|dkk|dll|dsb|tsb|vs|Yth))\.$"
)


@dataclass(frozen=True)
class Sentence:
    """A sentence (or passage) of the cleaned article, and where it lies in the original text."""

    text: str
    start: int
    end: int

    def scored(self, score: float) -> Evidence:
        return Evidence(self.text, self.start, self.end, score)


@dataclass(frozen=True)
class Evidence:
    """The passage that carries a theme: its cleaned text, its character offsets in the text as
    given (`text_as_given[start:end]` is the passage there), and the score the model gives the
    passage on its own."""

    text: str
    start: int
    end: int
    score: float

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "start": self.start, "end": self.end, "score": self.score}


def sentences(text: str) -> list[Sentence]:
    """The sentences of `text` that survive cleaning, in order, with offsets into `text`."""
    normalised, origin = normalise(text)
    found: list[Sentence] = []
    for line in clean_lines(normalised):
        position = 0
        for sentence in _split(line.text):
            words = r"\s+".join(map(re.escape, sentence.split()))
            match = re.compile(words).search(line.raw, position)
            if match is None:  # cleaning only drops text around what it keeps; never expected
                continue
            position = match.end()
            start, end = line.start + match.start(), line.start + match.end()
            found.append(Sentence(sentence, origin[start], origin[end - 1] + 1))
    return found


def _split(line: str) -> list[str]:
    """A cleaned line cut into sentences; a full stop after an abbreviation does not cut."""
    ends = [match.end() for match in _SENTENCE_END.finditer(line)] + [len(line)]
    pieces: list[str] = []
    for start, end in zip([0, *ends], ends, strict=False):
        piece = line[start:end].strip()
        if pieces and _ABBREVIATION.search(pieces[-1]):
            pieces[-1] = f"{pieces[-1]} {piece}"
        elif piece:
            pieces.append(piece)
    return pieces


def joined(text: str, found: list[Sentence]) -> list[bool]:
    """For each pair of neighbouring sentences, whether only white space parts them in `text`:
    a passage may hold both without quoting what cleaning removed between them."""
    return [not text[a.end : b.start].strip() for a, b in zip(found, found[1:], strict=False)]


def passage_span(
    scores: np.ndarray,
    threshold: float,
    joins: list[bool],
    max_sentences: int = MAX_SENTENCES,
) -> tuple[int, int]:
    """The sentences (first, last + 1) cited for one theme, from each sentence's own score: the
    best, widened by its neighbours that reach `threshold` too and are `joined` to it, at most
    `max_sentences`."""
    best = int(np.argmax(scores))
    first, last = best, best + 1
    while last - first < max_sentences:
        before = scores[first - 1] if first > 0 and joins[first - 1] else -1.0
        after = scores[last] if last < len(scores) and joins[last - 1] else -1.0
        if max(before, after) < threshold:
            break
        if before >= after:
            first -= 1
        else:
            last += 1
    return first, last


def passage(found: list[Sentence], span: tuple[int, int]) -> Sentence:
    """The sentences `found[first:last]` as one passage."""
    chosen = found[span[0] : span[1]]
    return Sentence(" ".join(s.text for s in chosen), chosen[0].start, chosen[-1].end)
