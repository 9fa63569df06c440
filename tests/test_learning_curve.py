import json
from collections import Counter
from pathlib import Path

import pytest
from conftest import TINY_MAX_LENGTH, run_cli

from tematik.annotations import load_annotations, write_annotations
from tematik.learning_curve import CurvePoint, LearningCurve, nested_order
from tematik.schema import load_schema

SCHEMA = load_schema()


@pytest.fixture(scope="module")
def annotations(tmp_path_factory) -> Path:
    """60 of the project's annotated articles, every theme among them."""
    path = tmp_path_factory.mktemp("curve") / "sixty.jsonl"
    records = load_annotations(["labels/authored.jsonl"], SCHEMA)
    write_annotations(nested_order(records, seed=0)[:60], path)
    return path


def curve_flags(tiny_base_model: Path) -> list[str]:
    return [
        "--set", f"base_model={tiny_base_model}", "--set", f"max_length={TINY_MAX_LENGTH}",
        "--set", "stride=16", "--set", "epochs=1", "--set", "batch_size=8",
    ]  # fmt: skip


def test_nested_order_makes_every_prefix_a_stratified_share():
    records = load_annotations(["labels/authored.jsonl"], SCHEMA)
    ordered = nested_order(records, seed=3)
    assert sorted(r.id for r in ordered) == sorted(r.id for r in records)
    assert nested_order(records, seed=3) == ordered  # same seed, same order
    whole = Counter(label for r in records for label in r.labels)
    quarter = Counter(label for r in ordered[: len(ordered) // 4] for label in r.labels)
    for theme, count in whole.items():
        assert abs(quarter[theme] - count / 4) <= 0.05 * count, theme


def test_learning_curve_trains_each_share_with_each_seed(tiny_base_model, annotations, tmp_path):
    plot = tmp_path / "curve.png"
    result = run_cli(
        "learning-curve", "train/offline.yaml", "--data", annotations, "--fractions", "0.5,1",
        "--seeds", "2", "--plot", plot, "--json", *curve_flags(tiny_base_model),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert printed["evaluated_on"] == "a held-out 20 % of the annotations"
    held_out = printed["evaluation_articles"]
    assert 8 <= held_out <= 16
    points = printed["points"]
    assert [p["fraction"] for p in points] == [0.5, 1.0]
    assert points[1]["articles"] == 60 - held_out
    assert points[0]["articles"] == round((60 - held_out) / 2)
    for point in points:
        assert len(point["macro_f1"]) == 2 and all(0 <= f <= 1 for f in point["macro_f1"])
    assert printed["verdict"].startswith("the last 50 % of the annotations")
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_learning_curve_scores_on_given_files_in_parallel(tiny_base_model, annotations, tmp_path):
    plot = tmp_path / "curve.png"
    result = run_cli(
        "learning-curve", "train/offline.yaml", "--data", annotations, "--fractions", "1",
        "--seeds", "2", "--workers", "2", "--eval", "labels/seeds.jsonl", "--plot", plot,
        *curve_flags(tiny_base_model),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    shown = " ".join(result.stdout.split())
    assert "macro-F1 on labels/seeds.jsonl (5 articles)" in shown
    assert "one fraction only" in shown


def test_bad_fractions_and_an_existing_plot_are_refused(tmp_path):
    plot = tmp_path / "curve.png"
    plot.write_bytes(b"mine")
    for flags, message in [
        (["--fractions", "0.5,x"], "--fractions takes shares separated by commas"),
        (["--fractions", "0,1"], "--fractions must lie in (0, 1]"),
        (["--fractions", "1", "--plot", plot], "already exists"),
    ]:
        result = run_cli("learning-curve", "train/offline.yaml", *flags)
        assert result.exit_code == 2 and message in result.output, result.output
    assert plot.read_bytes() == b"mine"


def test_verdict_weighs_the_last_gain_against_the_spread():
    points = (CurvePoint(0.5, 100, (0.80, 0.82)), CurvePoint(1.0, 200, (0.85, 0.87)))
    verdict = LearningCurve(points, "dev", 50).verdict()
    assert verdict.startswith("the last 50 % of the annotations (100 → 200 articles) added +0.050")
    assert verdict.endswith("more annotations still help")
    flat = (CurvePoint(0.5, 100, (0.80, 0.86)), CurvePoint(1.0, 200, (0.82, 0.85)))
    assert "within the spread" in LearningCurve(flat, "dev", 50).verdict()
