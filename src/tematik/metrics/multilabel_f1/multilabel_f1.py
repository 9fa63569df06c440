"""Article-level multi-label F1 as a local Hugging Face `evaluate` metric (works offline)."""

import datasets
import evaluate
import numpy as np

_DESCRIPTION = """
Multi-label classification metrics at article level: micro-, macro- and samples-averaged F1, and
per-label precision, recall, F1 and support. Predictions and references are 0/1 indicator rows,
one column per label. An undefined precision, recall or F1 (nothing predicted, nothing to find)
counts as 0, as in scikit-learn with `zero_division=0`; an article with no label annotated and
none predicted has a samples-F1 of 1.
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions: list of 0/1 lists, one per article, one entry per label.
    references: list of 0/1 lists of the same shape.
    label_names: optional list of label names for `per_label` (default: "0", "1", ...).
Returns:
    micro_f1, macro_f1, samples_f1, and per_label: {name: {precision, recall, f1, support}}.
"""


class MultilabelF1(evaluate.Metric):
    def _info(self) -> evaluate.MetricInfo:
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation="",
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features(
                {
                    "predictions": datasets.Sequence(datasets.Value("int32")),
                    "references": datasets.Sequence(datasets.Value("int32")),
                }
            ),
        )

    def _compute(self, predictions, references, label_names=None) -> dict:
        predicted = np.asarray(predictions, dtype=bool)
        actual = np.asarray(references, dtype=bool)
        names = label_names or [str(i) for i in range(actual.shape[1])]
        true_pos = (predicted & actual).sum(axis=0)
        precision = _ratio(true_pos, predicted.sum(axis=0))
        recall = _ratio(true_pos, actual.sum(axis=0))
        f1 = _ratio(2 * precision * recall, precision + recall)
        micro = _ratio(2 * true_pos.sum(), predicted.sum() + actual.sum())
        per_article = _ratio(
            2 * (predicted & actual).sum(axis=1), predicted.sum(axis=1) + actual.sum(axis=1), 1.0
        )
        return {
            "micro_f1": float(micro),
            "macro_f1": float(f1.mean()),
            "samples_f1": float(per_article.mean()),
            "per_label": {
                name: {
                    "precision": float(precision[i]),
                    "recall": float(recall[i]),
                    "f1": float(f1[i]),
                    "support": int(actual[:, i].sum()),
                }
                for i, name in enumerate(names)
            },
        }


def _ratio(numerator, denominator, if_undefined: float = 0.0):
    numerator = np.asarray(numerator, dtype=float)
    denominator = np.asarray(denominator, dtype=float)
    safe = np.where(denominator == 0, 1.0, denominator)
    return np.where(denominator == 0, if_undefined, numerator / safe)
