"""A simple baseline to beat: TF-IDF + one-vs-rest logistic regression on the same split.

Trains on the project's annotations and scores the same article-level metrics as
`tematik evaluate`, so the two figures compare directly.

Run: python bench/baseline_tfidf.py [--train labels/*.jsonl] [--test ../shared/corpus/dev.jsonl]
"""

import argparse

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline

from tematik.annotations import DEFAULT_ANNOTATIONS, load_annotations
from tematik.data import clean_text
from tematik.metrics import article_metrics, label_matrix
from tematik.schema import load_schema


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", nargs="+", default=[DEFAULT_ANNOTATIONS])
    parser.add_argument("--test", nargs="+", default=["../shared/corpus/dev.jsonl"])
    args = parser.parse_args()
    schema = load_schema()
    train, test = load_annotations(args.train, schema), load_annotations(args.test, schema)

    model = make_pipeline(
        TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=2),
        OneVsRestClassifier(LogisticRegression(C=10, class_weight="balanced", max_iter=2000)),
    )
    model.fit([clean_text(r.text) for r in train], label_matrix(train, schema.ids))
    predicted = model.predict([clean_text(r.text) for r in test])
    metrics = article_metrics(predicted, label_matrix(test, schema.ids), schema.ids)
    print_scores(
        f"TF-IDF + logistic regression: {len(train)} training articles", len(test), metrics
    )


def print_scores(title: str, articles: int, metrics: dict) -> None:
    """The averages, then each theme's F1, precision and recall, as a baseline's figures."""
    print(f"{title}, {articles} test articles")
    print(
        f"macro-F1 {metrics['macro_f1']:.3f}  micro-F1 {metrics['micro_f1']:.3f}  "
        f"samples-F1 {metrics['samples_f1']:.3f}"
    )
    for theme, scores in metrics["per_label"].items():
        print(
            f"  {theme:18} F1 {scores['f1']:.3f}  (P {scores['precision']:.3f}, "
            f"R {scores['recall']:.3f}, support {scores['support']})"
        )


if __name__ == "__main__":
    main()
