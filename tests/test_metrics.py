import numpy as np

from tematik.metrics import article_metrics
from tematik.thresholds import tune_thresholds

LABELS = ["missile_threat", "diplomacy"]


def test_article_metrics_match_hand_computed_values():
    actual = np.array([[1, 1], [1, 0], [0, 0], [0, 1]])
    predicted = np.array([[1, 0], [1, 1], [0, 0], [0, 1]])
    metrics = article_metrics(predicted, actual, LABELS)
    missile, diplomacy = metrics["per_label"]["missile_threat"], metrics["per_label"]["diplomacy"]
    assert (missile["precision"], missile["recall"], missile["f1"], missile["support"]) == (
        1.0,
        1.0,
        1.0,
        2,
    )
    assert (
        diplomacy["precision"] == 0.5 and diplomacy["recall"] == 0.5 and diplomacy["support"] == 2
    )
    assert metrics["macro_f1"] == 0.75
    assert metrics["micro_f1"] == 0.75  # tp 3, fp 1, fn 1
    # per article: 2/3, 2/3, 1 (nothing annotated, nothing predicted), 1
    assert np.isclose(metrics["samples_f1"], (2 / 3 + 2 / 3 + 1 + 1) / 4)


def test_thresholds_are_tuned_per_theme_for_f1():
    scores = np.array([[0.9, 0.30], [0.8, 0.10], [0.2, 0.35], [0.1, 0.05]])
    actual = np.array([[1, 1], [1, 0], [0, 1], [0, 0]])
    thresholds = tune_thresholds(scores, actual)
    predicted = (scores >= thresholds).astype(int)
    assert (predicted == actual).all()
    assert 0.2 < thresholds[0] <= 0.8
    assert 0.1 < thresholds[1] <= 0.3


def test_theme_without_validation_positives_keeps_the_default_threshold():
    thresholds = tune_thresholds(np.array([[0.9], [0.1]]), np.array([[0], [0]]))
    assert thresholds.tolist() == [0.5]
