import json

import numpy as np
import pytest
from conftest import SEEDS, run_cli

from tematik import ThemeClassifier
from tematik.errors import TematikError
from tematik.thresholds import ThresholdRule, choose_thresholds, out_of_fold_decisions

# Two themes over ten articles: the first separable at 0.6, the second noisy.
SCORES = np.array(
    [[0.9, 0.8], [0.8, 0.7], [0.7, 0.2], [0.65, 0.6], [0.62, 0.55],
     [0.5, 0.3], [0.4, 0.9], [0.3, 0.1], [0.2, 0.4], [0.1, 0.05]]
)  # fmt: skip
ACTUAL = np.array(
    [[1, 1], [1, 1], [1, 0], [1, 1], [1, 0], [0, 0], [0, 1], [0, 0], [0, 1], [0, 0]], dtype=bool
)
CURRENT = np.array([0.5, 0.5])


def decided(thresholds: np.ndarray) -> np.ndarray:
    return thresholds <= SCORES


def recall_precision(thresholds: np.ndarray, theme: int) -> tuple[float, float]:
    predicted, actual = decided(thresholds)[:, theme], ACTUAL[:, theme]
    found = (predicted & actual).sum()
    return found / actual.sum(), found / max(predicted.sum(), 1)


def test_macro_f1_separates_what_can_be_separated():
    thresholds = choose_thresholds(SCORES, ACTUAL, CURRENT, ThresholdRule(min_positives=1))
    assert (decided(thresholds)[:, 0] == ACTUAL[:, 0]).all()
    assert 0.5 < thresholds[0] <= 0.62


def test_precision_at_recall_holds_the_recall_and_recall_at_precision_the_precision():
    rule = ThresholdRule("precision-at-recall", 0.75, min_positives=1)
    thresholds = choose_thresholds(SCORES, ACTUAL, CURRENT, rule)
    assert recall_precision(thresholds, 1)[0] >= 0.75
    rule = ThresholdRule("recall-at-precision", 1.0, min_positives=1)
    thresholds = choose_thresholds(SCORES, ACTUAL, CURRENT, rule)
    assert recall_precision(thresholds, 1) == (0.8, 1.0)  # 0.6 and up: four of five, all right
    impossible = ThresholdRule("recall-at-precision", 1.0, min_positives=1)
    noisy = np.array([[0.9], [0.9], [0.1]])
    kept = choose_thresholds(
        noisy, np.array([[1], [0], [1]], dtype=bool), np.array([0.3]), impossible
    )
    assert kept.tolist() == [0.3]  # no threshold reaches precision 1: the current one stays


def test_micro_f1_is_at_least_what_per_theme_f1_gives():
    def micro(thresholds: np.ndarray) -> float:
        predicted = decided(thresholds)
        return 2 * (predicted & ACTUAL).sum() / (predicted.sum() + ACTUAL.sum())

    macro = choose_thresholds(SCORES, ACTUAL, CURRENT, ThresholdRule(min_positives=1))
    pooled = choose_thresholds(SCORES, ACTUAL, CURRENT, ThresholdRule("micro-f1", min_positives=1))
    assert micro(pooled) >= micro(macro)


def test_a_theme_with_too_few_positives_keeps_its_threshold():
    actual = ACTUAL.copy()
    actual[8, 1] = False  # the second theme now has 4 positives, under the floor of 5
    thresholds = choose_thresholds(SCORES, actual, np.array([0.3, 0.7]), ThresholdRule())
    assert thresholds[0] != 0.3 and thresholds[1] == 0.7


def test_out_of_fold_decisions_use_thresholds_tuned_on_the_other_folds():
    rule = ThresholdRule(min_positives=1)
    decisions = out_of_fold_decisions(SCORES, ACTUAL, CURRENT, rule, folds=5)
    assert decisions.shape == SCORES.shape
    # Leave-one-out, by hand: each article decided by thresholds chosen without it.
    by_hand = [
        SCORES[i]
        >= choose_thresholds(np.delete(SCORES, i, 0), np.delete(ACTUAL, i, 0), CURRENT, rule)
        for i in range(len(SCORES))
    ]
    left_out = out_of_fold_decisions(SCORES, ACTUAL, CURRENT, rule, folds=len(SCORES))
    assert (left_out == np.array(by_hand)).all()
    with pytest.raises(TematikError, match="between 2 and 10 folds"):
        out_of_fold_decisions(SCORES, ACTUAL, CURRENT, rule, folds=11)


@pytest.mark.parametrize(
    ("metric", "target", "message"),
    [
        ("accuracy", None, "--metric must be one of macro-f1"),
        ("precision-at-recall", None, "needs --target"),
        ("macro-f1", 0.9, "takes no --target"),
        ("recall-at-precision", 1.5, r"--target must lie in \(0, 1\]"),
    ],
)
def test_a_rule_that_cannot_be_followed_is_refused(metric, target, message):
    with pytest.raises(TematikError, match=message):
        ThresholdRule(metric, target)


def test_tune_thresholds_writes_a_new_model_with_its_record(trained_model, tmp_path):
    before = (trained_model / "tematik.json").read_bytes()
    output = tmp_path / "tuned"
    result = run_cli(
        "tune-thresholds", "--model", trained_model, "--data", "labels/seeds.jsonl",
        "--min-positives", "1", "--cv", "2", "--output", output, "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert (trained_model / "tematik.json").read_bytes() == before
    settings = json.loads((output / "tematik.json").read_text(encoding="utf-8"))
    assert settings["thresholds"] == printed["thresholds"]["after"]
    record = settings["thresholds_from"]
    assert record["files"] == ["labels/seeds.jsonl"] and record["articles"] == 5
    assert record["previous"] == json.loads(before)["thresholds"] == printed["thresholds"]["before"]
    assert record["folds"] == 2 and record["out_of_fold"] == printed["out_of_fold"]
    card = (output / "README.md").read_text(encoding="utf-8")
    assert "re-tuned with `tematik tune-thresholds`" in card and "`labels/seeds.jsonl`" in card
    tuned = ThemeClassifier.from_pretrained(output)
    predictions = tuned.predict([seed.read_text(encoding="utf-8") for seed in SEEDS])
    thresholds = np.array([printed["thresholds"]["after"][t] for t in tuned.labels])
    assert (predictions.decisions == (predictions.scores >= thresholds)).all()
    evaluated = run_cli("evaluate", "--model", output, "--data", "labels/seeds.jsonl", "--json")
    assert json.loads(evaluated.stdout) == printed["after"]


def test_tune_thresholds_changes_a_model_in_place_only_when_asked(trained_model, tmp_path):
    import shutil

    model = tmp_path / "model"
    shutil.copytree(trained_model, model)
    before = (model / "tematik.json").read_bytes()
    refused = run_cli("tune-thresholds", "--model", model, "--data", "labels/seeds.jsonl")
    assert refused.exit_code == 2 and "--overwrite" in refused.output
    assert (model / "tematik.json").read_bytes() == before
    result = run_cli(
        "tune-thresholds", "--model", model, "--data", "labels/seeds.jsonl", "--overwrite",
        "--metric", "recall-at-precision", "--target", "0.5", "--min-positives", "1",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    record = json.loads((model / "tematik.json").read_text(encoding="utf-8"))["thresholds_from"]
    assert record["rule"] == "the best recall with precision at least 0.5"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]  # nothing left beside it


def test_tune_thresholds_refuses_bad_input_before_any_work(trained_model, tmp_path):
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "notes.txt").write_text("mine", encoding="utf-8")
    cases = [
        (["--output", taken], "already exists"),
        (["--output", taken, "--overwrite"], "not a model directory"),
        (["--output", tmp_path / "new", "--metric", "accuracy"], "'accuracy' is not one of"),
        (["--output", tmp_path / "new", "--cv", "9"], "between 2 and 5 folds"),
    ]
    for flags, message in cases:
        result = run_cli(
            "tune-thresholds", "--model", trained_model, "--data", "labels/seeds.jsonl", *flags
        )
        assert result.exit_code == 2 and message in result.output, result.output
        assert not (tmp_path / "new").exists()
    assert [p.name for p in taken.iterdir()] == ["notes.txt"]


def test_the_command_line_offers_the_rules_the_library_knows():
    from tematik.cli.tuning import Metric
    from tematik.thresholds import METRICS, MIN_POSITIVES

    assert tuple(metric.value for metric in Metric) == METRICS
    shown = " ".join(run_cli("tune-thresholds", "--help").stdout.replace("│", " ").split())
    assert f"(default: {MIN_POSITIVES})" in shown
