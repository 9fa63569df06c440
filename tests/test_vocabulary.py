"""Frequent corpus words join a base model's vocabulary whole, starting from their pieces' mean."""

import json

import pytest
from conftest import ROOT, run_cli, tiny_training

CORPUS = ROOT / "labels" / "authored.jsonl"


def _corpus_texts(count: int) -> list[str]:
    lines = CORPUS.read_text(encoding="utf-8").splitlines()[:count]
    return [json.loads(line)["text"] for line in lines]


def _base(path):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    model = AutoModelForSequenceClassification.from_pretrained(path, num_labels=4)
    return AutoTokenizer.from_pretrained(path), model


def test_frequent_words_become_one_token_each_embedded_as_their_pieces_mean(tiny_base_model):
    import torch

    from tematik.vocabulary import MIN_COUNT, add_corpus_words, frequent_split_words

    tokenizer, model = _base(tiny_base_model)
    texts = _corpus_texts(60)
    words = frequent_split_words(tokenizer, texts, 200)
    assert len(words) == 200 and len(set(words)) == 200
    text = " ".join(texts).lower()
    assert all(text.count(word) >= MIN_COUNT for word in words)
    pieces = {word: tokenizer(word, add_special_tokens=False)["input_ids"] for word in words}
    assert all(len(ids) > 1 for ids in pieces.values())
    old_rows = model.get_input_embeddings().weight.detach().clone()

    extended = add_corpus_words(tokenizer, model, texts, 200)

    assert len(extended) == len(tokenizer) + 200 == model.get_input_embeddings().num_embeddings
    rows = model.get_input_embeddings().weight
    for word in words:
        assert extended.tokenize(word) == [word]
        torch.testing.assert_close(
            rows[extended.convert_tokens_to_ids(word)], old_rows[pieces[word]].mean(0)
        )
    assert extended.tokenize("seorang xylofonis") == tokenizer.tokenize("seorang xylofonis")
    assert frequent_split_words(tokenizer, texts, 200) == words


def test_a_model_trained_with_added_words_loads_in_tematik_and_the_pipeline(
    tiny_base_model, tmp_path
):
    from transformers import AutoConfig, AutoTokenizer, pipeline

    from tematik import ThemeClassifier

    data = tmp_path / "articles.jsonl"
    data.write_text("\n".join(CORPUS.read_text(encoding="utf-8").splitlines()[:40]) + "\n")
    recipe = tmp_path / "words.yaml"
    recipe.write_text("added_words: 300\nepochs: 1\n")
    output = tmp_path / "tema"
    result = run_cli(
        "train", recipe, *tiny_training(tiny_base_model), "--data", data, "--output", output
    )
    assert result.exit_code == 0, result.output

    base = AutoTokenizer.from_pretrained(tiny_base_model)
    tokenizer = AutoTokenizer.from_pretrained(output)
    assert len(tokenizer) == len(base) + 300 == AutoConfig.from_pretrained(output).vocab_size
    article = _corpus_texts(1)[0]
    assert len(tokenizer(article)["input_ids"]) < len(base(article)["input_ids"])
    scores = ThemeClassifier.from_pretrained(output).predict_proba([article])
    assert scores.shape == (1, 4)
    results = pipeline("text-classification", model=str(output), top_k=None)([article[:300]])
    assert len(results[0]) == 4


def test_added_words_need_a_wordpiece_tokenizer(tiny_base_model):
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    from tematik.errors import TematikError
    from tematik.vocabulary import add_corpus_words

    backend = Tokenizer(models.BPE(unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="<unk>")
    _, model = _base(tiny_base_model)
    with pytest.raises(TematikError, match="added_words needs a WordPiece .* set added_words: 0"):
        add_corpus_words(tokenizer, model, _corpus_texts(5), 10)
