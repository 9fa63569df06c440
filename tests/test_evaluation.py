import json

import numpy as np
import pytest
from conftest import run_cli

from tematik import ThemeClassifier, evaluate
from tematik.annotations import load_annotations
from tematik.errors import TematikError
from tematik.evaluation import load_evaluation_data
from tematik.schema import load_schema

SEED_ANNOTATIONS = ["labels/seeds.jsonl"]


@pytest.fixture(scope="module")
def classifier(trained_model) -> ThemeClassifier:
    return ThemeClassifier.from_pretrained(trained_model, device="cpu")


def test_the_library_and_the_command_report_the_same_metrics(classifier, trained_model):
    evaluation = evaluate(classifier, load_annotations(SEED_ANNOTATIONS, load_schema()))
    result = run_cli("evaluate", "--model", trained_model, "--data", *SEED_ANNOTATIONS, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == evaluation.metrics
    assert evaluation.predictions.ids == tuple(r.id for r in evaluation.records)


def test_progress_counts_every_article(classifier):
    records = load_annotations(SEED_ANNOTATIONS, load_schema())
    counted = []
    evaluate(classifier, records, progress=counted.append)
    assert sum(counted) == len(records)


def test_tuned_thresholds_do_no_worse_on_the_articles_they_were_tuned_on(classifier):
    evaluation = evaluate(classifier, load_annotations(SEED_ANNOTATIONS, load_schema()))
    tuned = evaluation.tuned()
    np.testing.assert_array_equal(tuned.predictions.scores, evaluation.predictions.scores)
    for theme in evaluation.labels:
        assert tuned.metrics["per_label"][theme]["f1"] >= (
            evaluation.with_thresholds(0.5).metrics["per_label"][theme]["f1"] - 1e-9
        )


def test_data_with_a_theme_the_model_lacks_is_refused(classifier, tmp_path):
    schema = tmp_path / "themes.yaml"
    schema.write_text("themes:\n  - id: cyber\n    name: Siber\n    description: Serangan siber.\n")
    data = tmp_path / "cyber.jsonl"
    data.write_text('{"id": "c1", "text": "Serangan siber.", "labels": ["cyber"]}\n')
    records = load_evaluation_data(classifier, [str(data)], schema)
    with pytest.raises(TematikError, match="does not know the data's themes cyber"):
        evaluate(classifier, records)


def test_without_a_schema_file_the_models_own_schema_reads_the_data(classifier, tmp_path):
    records = load_evaluation_data(classifier, SEED_ANNOTATIONS, tmp_path / "absent.yaml")
    assert len(records) == 5
