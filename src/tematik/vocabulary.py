"""Vocabulary extension: teach a base model's WordPiece tokenizer the training corpus's words.

A base model whose vocabulary was built for another language cuts Indonesian words into short
pieces: all-MiniLM-L6-v2 spends about 570 tokens on an article that IndoBERT reads in 310, and
the pieces (`pe ##mb ##uka`) carry little of the word's meaning. `add_corpus_words` adds the
training articles' frequent words to the vocabulary whole and starts each one's embedding as the
mean of the embeddings of the pieces it replaces, so the model begins from what it already knew
and fine-tuning refines it. Articles become about half as long, which also halves the cost of
training and classification.
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from typing import TYPE_CHECKING

import torch
from transformers import AutoTokenizer

from tematik.errors import TematikError
from tematik.preparation import clean_text

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

MIN_COUNT = 3
"""A word joins the vocabulary only if the training articles use it at least this often."""


def add_corpus_words(
    tokenizer: PreTrainedTokenizerBase, model: PreTrainedModel, texts: list[str], limit: int
) -> PreTrainedTokenizerBase:
    """A tokenizer that also knows up to `limit` frequent words of `texts` whole; `model`'s
    embeddings grow to match, each new row the mean of the rows of the word's old pieces."""
    spec = json.loads(tokenizer.backend_tokenizer.to_str())
    if spec["model"]["type"] != "WordPiece":
        raise TematikError(
            f"added_words needs a WordPiece (BERT) tokenizer, and this base model's is "
            f"{spec['model']['type']}; set added_words: 0 in the recipe"
        )
    words = frequent_split_words(tokenizer, texts, limit)
    if not words:
        return tokenizer
    vocabulary: dict[str, int] = spec["model"]["vocab"]
    base_model = tokenizer.backend_tokenizer.model
    pieces = {word: [piece.id for piece in base_model.tokenize(word)] for word in words}
    for word in words:
        vocabulary[word] = len(vocabulary)
    extended = _tokenizer_from_spec(tokenizer, spec)
    model.resize_token_embeddings(len(extended), mean_resizing=False)
    embeddings = model.get_input_embeddings().weight
    with torch.no_grad():
        for word in words:
            embeddings[vocabulary[word]] = embeddings[pieces[word]].mean(dim=0)
    return extended


def frequent_split_words(
    tokenizer: PreTrainedTokenizerBase, texts: list[str], limit: int
) -> list[str]:
    """The `limit` most frequent words of `texts` that `tokenizer` cuts into several pieces,
    normalised and split into words exactly as it does; ties in alphabetical order."""
    backend = tokenizer.backend_tokenizer
    counts = Counter(
        word
        for text in texts
        for word, _ in backend.pre_tokenizer.pre_tokenize_str(
            backend.normalizer.normalize_str(clean_text(text))
        )
    )
    split = [
        word
        for word, count in counts.items()
        if count >= MIN_COUNT and len(backend.model.tokenize(word)) > 1
    ]
    return sorted(split, key=lambda word: (-counts[word], word))[:limit]


def _tokenizer_from_spec(tokenizer: PreTrainedTokenizerBase, spec: dict) -> PreTrainedTokenizerBase:
    """A tokenizer of the class and settings of `tokenizer` with `spec` as its tokenizer.json."""
    with tempfile.TemporaryDirectory() as folder:
        tokenizer.save_pretrained(folder)
        with open(f"{folder}/tokenizer.json", "w", encoding="utf-8") as file:
            json.dump(spec, file, ensure_ascii=False)
        return AutoTokenizer.from_pretrained(folder)
