import json
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import run_cli

from tematik.markdown import metrics_table
from tematik.metrics import precision_recall_curve

PLOTS = ("precision_recall.png", "f1_by_theme.png", "cooccurrence.png")
SEED_IDS = [f"seed-{i:03d}" for i in range(5)]


def evaluate(model: Path, *flags: str):
    return run_cli("evaluate", "--model", model, "--data", "labels/seeds.jsonl", *flags)


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's header; fails on anything that is not a PNG."""
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n" and header[12:16] == b"IHDR", path
    return struct.unpack(">II", header[16:24])


@pytest.fixture(scope="module")
def report(trained_model, tmp_path_factory) -> tuple[Path, dict]:
    """A report written by `tematik evaluate --json --report`, and the metrics it printed."""
    directory = tmp_path_factory.mktemp("evaluation") / "report"
    result = evaluate(trained_model, "--json", "--report", directory)
    assert result.exit_code == 0, result.output
    return directory, json.loads(result.stdout)


def test_report_holds_the_plots_the_metrics_and_the_markdown(report):
    directory, printed = report
    assert sorted(p.name for p in directory.iterdir()) == sorted(
        [*PLOTS, "metrics.json", "report.md"]
    )
    for plot in PLOTS:
        width, height = png_size(directory / plot)
        assert 400 <= width <= 2000 and 300 <= height <= 2000, (plot, width, height)
        assert (directory / plot).stat().st_size > 10_000
    assert json.loads((directory / "metrics.json").read_text()) == printed
    assert [p.name for p in directory.parent.iterdir()] == ["report"]  # no staging left behind


def test_report_markdown_embeds_plots_metrics_and_worst_articles(report, trained_model):
    directory, metrics = report
    markdown = (directory / "report.md").read_text(encoding="utf-8")
    for plot in PLOTS:
        assert f"]({plot})" in markdown
    thresholds = json.loads((trained_model / "tematik.json").read_text())["thresholds"]
    assert metrics_table(metrics, thresholds) in markdown
    worst = markdown.split("## Worst-classified articles")[1]
    headings = [line for line in worst.splitlines() if line.startswith("### ")]
    assert sorted(heading.split("`")[1] for heading in headings) == SEED_IDS
    assert worst.count("- annotated: ") == worst.count("- scores: missile_threat ") == 5
    for line in Path("labels/seeds.jsonl").read_text(encoding="utf-8").splitlines():
        text = " ".join(json.loads(line)["text"].split())
        assert f"> {text[:60]}" in worst


def test_model_card_embeds_the_same_metrics_table(trained_model):
    settings = json.loads((trained_model / "tematik.json").read_text())
    table = metrics_table(settings["training"]["validation_metrics"], settings["thresholds"])
    assert table in (trained_model / "README.md").read_text(encoding="utf-8")


def test_report_replaces_an_earlier_report(trained_model, tmp_path):
    directory = tmp_path / "report"
    assert evaluate(trained_model, "--report", directory).exit_code == 0
    (directory / "report.md").write_text("stale")
    (directory / "cooccurrence.png").unlink()
    result = evaluate(trained_model, "--report", directory)
    assert result.exit_code == 0, result.output
    assert "macro-F1" in result.stdout and f"{directory / 'report.md'}" in result.stderr
    assert (directory / "report.md").read_text().startswith("# Evaluation report")
    assert png_size(directory / "cooccurrence.png")
    assert [p.name for p in tmp_path.iterdir()] == ["report"]


def test_foreign_directory_is_refused_and_left_untouched(trained_model, tmp_path):
    directory = tmp_path / "notes"
    directory.mkdir()
    (directory / "todo.txt").write_text("keep me")
    (directory / "report.md").write_text("mine")
    result = evaluate(trained_model, "--report", directory)
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "not a tematik report (todo.txt)" in result.output
    assert sorted(p.name for p in directory.iterdir()) == ["report.md", "todo.txt"]
    assert (directory / "report.md").read_text() == "mine"
    assert [p.name for p in tmp_path.iterdir()] == ["notes"]


def test_a_file_in_the_way_is_refused(trained_model, tmp_path):
    path = tmp_path / "report"
    path.write_text("a file")
    result = evaluate(trained_model, "--report", path)
    assert result.exit_code == 2 and "exists and is not a directory" in result.output
    assert path.read_text() == "a file"


def test_precision_recall_curve_matches_scikit_learn():
    from sklearn.metrics import precision_recall_curve as reference

    rng = np.random.default_rng(0)
    scores = np.round(rng.random(60), 1)  # ties, as thresholded scores have
    actual = rng.random(60) < 0.4
    recall, precision = precision_recall_curve(scores, actual)
    expected_precision, expected_recall, _ = reference(actual, scores)
    np.testing.assert_allclose(recall, expected_recall[::-1])
    np.testing.assert_allclose(precision, expected_precision[::-1])


def test_cli_start_up_does_not_import_matplotlib():
    code = "import sys, tematik.cli; print('matplotlib' in sys.modules)"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert loaded.stdout.strip() == "False"
