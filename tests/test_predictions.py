import numpy as np
import pytest

from tematik.predictions import Prediction, Predictions, sigmoid
from tematik.suggestions import confidence

LABELS = ["missile_threat", "intel_sharing", "diplomacy"]
SCORES = np.array([[0.9, 0.2, 0.5], [0.1, 0.8, 0.49]])
THRESHOLDS = [0.5, 0.7, 0.5]


@pytest.fixture
def predictions() -> Predictions:
    return Predictions.of(SCORES, LABELS, THRESHOLDS, ids=["a", "b"])


def test_a_theme_is_on_from_its_own_threshold_up(predictions):
    # 0.5 reaches diplomacy's 0.5; 0.49 does not; intel_sharing needs 0.7, not 0.5.
    assert predictions.themes(0) == ["missile_threat", "diplomacy"]
    assert predictions.themes(1) == ["intel_sharing"]
    assert predictions.with_thresholds(0.85).themes(0) == ["missile_threat"]
    assert predictions.with_thresholds(0.85).themes(1) == []


def test_it_reads_as_a_sequence_of_predictions(predictions):
    assert len(predictions) == 2
    second = predictions[1]
    assert isinstance(second, Prediction) and second.labels == ["intel_sharing"]
    expected = {"missile_threat": 0.1, "intel_sharing": 0.8, "diplomacy": 0.49}
    assert second.scores == pytest.approx(expected)
    assert [p.labels for p in predictions] == [["missile_threat", "diplomacy"], ["intel_sharing"]]
    assert predictions[-1].labels == ["intel_sharing"]


def test_selected_rows_keep_their_ids_and_thresholds(predictions):
    picked = predictions.select([1])
    assert picked.ids == ("b",) and picked.themes(0) == ["intel_sharing"]
    assert predictions[1:].ids == ("b",)
    assert picked.thresholds_by_theme == dict(zip(LABELS, THRESHOLDS, strict=True))


def test_without_ids_articles_are_numbered_from_zero():
    assert Predictions.of(SCORES, LABELS, THRESHOLDS).ids == ("0", "1")


def test_confidence_is_the_suggestions_measure(predictions):
    np.testing.assert_allclose(predictions.confidence(), confidence(SCORES, THRESHOLDS))


def test_sigmoid_maps_logits_to_scores():
    np.testing.assert_allclose(sigmoid(np.array([0.0, 100.0, -100.0])), [0.5, 1.0, 0.0], atol=1e-9)
