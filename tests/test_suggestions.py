import json
import math

import numpy as np
import pytest
from conftest import SEEDS, run_cli

from tematik.predictions import Predictions
from tematik.suggestions import confidence, doubt, rank

LABELS = ["missile_threat", "intel_sharing", "diplomacy", "economic_security"]
THRESHOLDS = np.array([0.5, 0.4, 0.5, 0.5])


def test_doubt_is_half_at_the_threshold_and_the_other_outcome_at_one_half():
    scores = np.array([[0.5, 0.4, 0.9, 0.02]])
    assert doubt(scores, THRESHOLDS)[0] == pytest.approx([0.5, 0.5, 0.1, 0.02])


def test_doubt_measures_distance_in_logit_space():
    # 0.6 and 0.2 are both 0.2 from a threshold of 0.4, but 0.6 has 2.25 times the threshold's
    # odds and 0.2 has 8/3 times fewer: 0.6 is the nearer.
    near, far = doubt(np.array([[0.5, 0.6, 0.5, 0.5], [0.5, 0.2, 0.5, 0.5]]), THRESHOLDS)[:, 1]
    assert near == pytest.approx(1 / (1 + 2.25)) and far == pytest.approx(1 / (1 + 8 / 3))


def test_articles_near_several_thresholds_come_first():
    scores = np.array(
        [
            [0.99, 0.01, 0.99, 0.01],  # sure of everything
            [0.50, 0.01, 0.99, 0.01],  # at one threshold
            [0.45, 0.25, 0.60, 0.01],  # near three
            [0.99, 0.01, 0.99, 0.01],  # as sure as the first
        ]
    )
    ranked = rank(Predictions.of(scores, LABELS, THRESHOLDS))
    assert [s.index for s in ranked] == [2, 1, 0, 3]
    assert ranked[0].near == ("missile_threat", "diplomacy", "intel_sharing")
    assert ranked[1].near == ("missile_threat",)
    assert ranked[2].near == ("intel_sharing",)  # nothing near: the nearest still shows
    assert ranked[0].usefulness == pytest.approx(doubt(scores, THRESHOLDS)[2].sum())
    assert [s.index for s in rank(Predictions.of(scores, LABELS, THRESHOLDS), top=2)] == [2, 1]


def test_confidence_is_the_chance_that_every_decision_is_right():
    scores = np.array([[0.5, 0.4, 0.9, 0.02]])
    assert confidence(scores, THRESHOLDS)[0] == pytest.approx(0.5 * 0.5 * 0.9 * 0.98)


def _thresholds(model) -> dict:
    return json.loads((model / "tematik.json").read_text(encoding="utf-8"))["thresholds"]


def test_suggest_json_ranks_by_the_documented_formula(trained_model):
    result = run_cli("suggest", "--model", trained_model, "seeds/", "--json", "--top", "3")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["rank"] for row in rows] == [1, 2, 3]
    assert {row["id"] for row in rows} <= {f"seeds/{seed.name}" for seed in SEEDS}
    usefulness = [row["usefulness"] for row in rows]
    assert usefulness == sorted(usefulness, reverse=True)
    thresholds = _thresholds(trained_model)
    for row in rows:
        expected = sum(
            1 / (1 + math.exp(abs(_logit(score) - _logit(thresholds[theme]))))
            for theme, score in row["scores"].items()
        )
        assert row["usefulness"] == pytest.approx(expected, rel=1e-5)
        assert row["near"] and all(n["threshold"] == thresholds[n["theme"]] for n in row["near"])


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def test_suggest_writes_the_top_articles_as_label_studio_tasks(trained_model, tmp_path):
    tasks_file = tmp_path / "next.json"
    result = run_cli(
        "suggest", "--model", trained_model, "seeds/", "--top", "2", "--label-studio", tasks_file
    )
    assert result.exit_code == 0, result.output
    assert "usefulness" in result.stdout
    ranked = run_cli("suggest", "--model", trained_model, "seeds/", "--json", "--top", "2")
    top_ids = [json.loads(line)["id"] for line in ranked.stdout.splitlines()]
    tasks = json.loads(tasks_file.read_text(encoding="utf-8"))
    assert [task["data"]["article_id"] for task in tasks] == top_ids
    assert all(task["predictions"][0]["model_version"] == trained_model.name for task in tasks)
    assert (tmp_path / "next.label-config.xml").is_file()
    again = ["suggest", "--model", trained_model, "seeds/", "--label-studio", tasks_file]
    refused = run_cli(*again)
    assert refused.exit_code == 2 and "already exists; pass --overwrite" in refused.output
    assert json.loads(tasks_file.read_text(encoding="utf-8")) == tasks
    assert run_cli(*again, "--overwrite").exit_code == 0
    assert len(json.loads(tasks_file.read_text(encoding="utf-8"))) == len(SEEDS)


def test_suggest_names_unreadable_inputs_and_ranks_the_rest(trained_model, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    result = run_cli("suggest", "--model", trained_model, SEEDS[0], empty, "--json")
    assert result.exit_code == 2
    assert f"{empty}: empty" in result.stderr
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == [str(SEEDS[0])]
