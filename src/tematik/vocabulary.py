"""The pieces of multilingual-e5's 250,002-piece vocabulary that Indonesian and English text
needs. The offline base keeps only these (a fifth of them), so the embedding matrix every
trained model carries, trains and exports shrinks from 96M parameters to about 22M."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tokenizers import Tokenizer

WORD_LISTS = ("id", "en")
"""The languages whose `wordfreq` word lists ('small': every word at least once per million)
the full tokenizer splits into the pieces kept."""
NUMBERS = range(2101)
"""Numbers whose own pieces are kept: counts, dates and years of the news."""
LIKELIEST_LATIN = 20_000
"""How many more Latin-script pieces to keep, the likeliest by the unigram model's scores:
names, affixed forms and compounds no word list holds. On the project's training articles
they cut the tokens added by pruning from 1.4 % to 0.6 %."""
LATIN = re.compile("[▁\u0000-\u024f\u1e00-\u1eff\u2000-\u206f]+")
"""Latin letters with their accents, digits, punctuation, and the word-start mark."""


def needed_pieces(
    tokenizer: Tokenizer, pieces: Sequence[str], scores: Sequence[float], always: Collection[str]
) -> list[int]:
    """The indices of the pieces to keep, ascending: the `always` pieces (the special ones),
    every single character (so no text the full vocabulary reads gains an unknown character),
    the pieces the full `tokenizer` splits the word lists and numbers into, and the likeliest
    Latin-script pieces."""
    keep = {
        i for i, piece in enumerate(pieces) if piece in always or len(piece.removeprefix("▁")) <= 1
    }
    for encoding in tokenizer.encode_batch(list(_words()), add_special_tokens=False):
        keep.update(encoding.ids)
    latin = [i for i, piece in enumerate(pieces) if LATIN.fullmatch(piece)]
    latin.sort(key=lambda i: -scores[i])
    return sorted(keep | set(latin[:LIKELIEST_LATIN]))


def _words() -> Iterator[str]:
    """Each word of the lists as written in lower case, capitalised and in capitals."""
    from wordfreq import get_frequency_dict

    for language in WORD_LISTS:
        for word in get_frequency_dict(language, "small"):
            yield from {word, word.capitalize(), word.upper()}
    yield from map(str, NUMBERS)
