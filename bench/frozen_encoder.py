"""The second baseline to beat: the offline base frozen, a logistic regression on its embeddings.

Each article is embedded as E5 models are meant to be used: "passage: " + cleaned text, mean of
the last hidden states over its tokens, windows of 512 tokens averaged by length, L2-normalised.
One logistic regression per theme is trained on those vectors and scored at article level with
the same metrics as `tematik evaluate`. If fine-tuning cannot beat this, it is not paying.

Run: python bench/frozen_encoder.py [--train labels/*.jsonl] [--test ../shared/corpus/dev.jsonl]
"""

import argparse

import numpy as np
import torch
from baseline_tfidf import print_scores
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from transformers import AutoModel, AutoTokenizer

from tematik.annotations import DEFAULT_ANNOTATIONS, load_annotations
from tematik.base_model import resolve_base_model
from tematik.data import clean_text
from tematik.metrics import article_metrics, label_matrix
from tematik.recipe import OFFLINE_BASE
from tematik.schema import load_schema


@torch.inference_mode()
def embed(texts: list[str], tokenizer, model) -> np.ndarray:
    """E5 passage embeddings of whole articles: windows of 510 pieces, averaged by length."""
    vectors = []
    room = tokenizer.model_max_length - 2
    for text in texts:
        ids = tokenizer("passage: " + clean_text(text), add_special_tokens=False)["input_ids"]
        windows = [ids[start : start + room] for start in range(0, len(ids), room)]
        batch = tokenizer.pad(
            {"input_ids": [[tokenizer.cls_token_id, *w, tokenizer.sep_token_id] for w in windows]},
            return_tensors="pt",
        )
        hidden = model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1)
        sums = (hidden * mask).sum(1)  # each window's sum over its tokens
        mean = sums.sum(0) / mask.sum()  # the tokens' mean over every window
        vectors.append(torch.nn.functional.normalize(mean, dim=0).numpy())
    return np.stack(vectors)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", nargs="+", default=[DEFAULT_ANNOTATIONS])
    parser.add_argument("--test", nargs="+", default=["../shared/corpus/dev.jsonl"])
    parser.add_argument("--base-model", default=OFFLINE_BASE)
    args = parser.parse_args()
    schema = load_schema()
    train, test = load_annotations(args.train, schema), load_annotations(args.test, schema)
    location = resolve_base_model(args.base_model)
    tokenizer = AutoTokenizer.from_pretrained(location)
    model = AutoModel.from_pretrained(location, add_pooling_layer=False).eval()
    train_vectors = embed([r.text for r in train], tokenizer, model)
    test_vectors = embed([r.text for r in test], tokenizer, model)
    head = OneVsRestClassifier(LogisticRegression(C=10, class_weight="balanced", max_iter=5000))
    head.fit(train_vectors, label_matrix(train, schema.ids))
    metrics = article_metrics(
        head.predict(test_vectors), label_matrix(test, schema.ids), schema.ids
    )
    title = f"frozen {args.base_model} + logistic regression: {len(train)} training articles"
    print_scores(title, len(test), metrics)


if __name__ == "__main__":
    main()
