import pickle
import shutil
import subprocess
import sys

import numpy as np
import pytest
from conftest import SEEDS

from tematik import ThemeClassifier
from tematik.errors import TematikError

SEED_TEXTS = [seed.read_text(encoding="utf-8") for seed in SEEDS]


@pytest.fixture(scope="module")
def classifier(trained_model) -> ThemeClassifier:
    # On the CPU, as `auto` picks it wherever no NVIDIA GPU is: the suite passes on a GPU box too.
    return ThemeClassifier.from_pretrained(trained_model, device="cpu")


def test_predict_gives_themes_by_the_stored_thresholds(classifier):
    predictions = classifier.predict(SEED_TEXTS)
    assert len(predictions) == len(SEEDS)
    for prediction in predictions:
        assert list(prediction.scores) == classifier.labels
        assert all(0.0 <= score <= 1.0 for score in prediction.scores.values())
        expected = [
            label
            for label in classifier.labels
            if prediction.scores[label] >= classifier.settings.thresholds[label]
        ]
        assert prediction.labels == expected


def test_cleaning_happens_inside_predict(classifier):
    from tematik.data import clean_text

    raw = classifier.predict_proba(SEED_TEXTS[:2])
    cleaned = classifier.predict_proba([clean_text(text) for text in SEED_TEXTS[:2]])
    np.testing.assert_allclose(raw, cleaned, atol=1e-6)


def test_scores_do_not_depend_on_batch_company(classifier):
    alone = classifier.predict_proba([SEED_TEXTS[3]])
    together = classifier.predict_proba(SEED_TEXTS)[3:4]
    np.testing.assert_allclose(alone, together, atol=1e-5)


def test_saved_and_reloaded_classifier_scores_the_same(classifier, tmp_path):
    classifier.save_pretrained(tmp_path / "copy")
    again = ThemeClassifier.from_pretrained(tmp_path / "copy")
    np.testing.assert_allclose(
        again.predict_proba(SEED_TEXTS), classifier.predict_proba(SEED_TEXTS), atol=1e-6
    )


def test_transformers_pipeline_loads_the_same_directory(trained_model):
    classifier = ThemeClassifier.from_pretrained(trained_model, device="cpu", int8=False)
    from transformers import pipeline

    short = "Korea Utara meluncurkan rudal balistik ke Laut Timur."
    results = pipeline("text-classification", model=str(trained_model), top_k=None)([short])
    scores = {item["label"]: item["score"] for item in results[0]}
    assert set(scores) == set(classifier.labels)
    np.testing.assert_allclose(
        [scores[label] for label in classifier.labels],
        classifier.predict_proba([short])[0],
        atol=1e-5,
    )


def test_missing_model_directory_is_a_clear_error(tmp_path):
    with pytest.raises(TematikError, match="model directory not found; train one"):
        ThemeClassifier.from_pretrained(tmp_path / "nothing")


def test_directory_of_another_tool_is_refused(tmp_path, tiny_base_model):
    with pytest.raises(TematikError, match="not a complete tematik model directory"):
        ThemeClassifier.from_pretrained(tiny_base_model)


def test_the_cpu_scores_the_int8_onnx_copy_close_to_fp32_pytorch(trained_model, classifier):
    assert classifier.model.path == trained_model / "model.int8.onnx", "the default on a CPU"
    fp32 = ThemeClassifier.from_pretrained(trained_model, device="cpu", int8=False)
    assert fp32.model.__class__.__name__ != "OnnxModel"
    np.testing.assert_allclose(
        classifier.predict_proba(SEED_TEXTS), fp32.predict_proba(SEED_TEXTS), atol=0.05
    )


def test_the_weights_are_stored_as_fp16_and_load_as_fp32(trained_model):
    from safetensors.numpy import load_file

    weights = load_file(trained_model / "model.safetensors")
    assert {tensor.dtype.name for tensor in weights.values()} == {"float16"}
    fp32 = ThemeClassifier.from_pretrained(trained_model, runtime="torch")
    assert str(fp32.model.dtype) == "torch.float32"


def test_a_model_without_the_int8_copy_quantizes_its_pytorch_weights(trained_model, tmp_path):
    older = tmp_path / "older"
    shutil.copytree(trained_model, older)
    (older / "model.int8.onnx").unlink()
    quantized = ThemeClassifier.from_pretrained(older, device="cpu", int8=True)
    assert quantized.model.__class__.__name__ != "OnnxModel"
    fp32 = ThemeClassifier.from_pretrained(older, device="cpu")
    np.testing.assert_allclose(
        quantized.predict_proba(SEED_TEXTS), fp32.predict_proba(SEED_TEXTS), atol=0.05
    )
    with pytest.raises(TematikError, match="no model.int8.onnx to score with"):
        ThemeClassifier.from_pretrained(older, runtime="onnx", int8=True)


def test_int8_on_a_gpu_is_refused(trained_model):
    with pytest.raises(TematikError, match="int8 scoring runs on the CPU"):
        ThemeClassifier.from_pretrained(trained_model, device="cuda", int8=True)


def _replace_in_settings(directory, old: str, new: str) -> None:
    settings = directory / "tematik.json"
    settings.write_text(settings.read_text().replace(old, new))


@pytest.mark.parametrize(
    ("runtime", "damage", "message"),
    [
        ("torch", lambda d: (d / "model.safetensors").unlink(), "incomplete model directory"),
        ("onnx", lambda d: (d / "model.int8.onnx").write_bytes(b"\0" * 64), "incomplete model"),
        ("onnx", lambda d: (d / "model.int8.onnx").unlink(), "no model.int8.onnx or model.onnx"),
        (
            "auto",
            lambda d: (d / "tematik.json").write_text("{not json"),
            "tematik.json: unreadable",
        ),
        ("torch", lambda d: _replace_in_settings(d, '"diplomacy"', '"sport"'), "labels .* differ"),
        ("onnx", lambda d: _replace_in_settings(d, '"diplomacy"', '"sport"'), "labels .* differ"),
    ],
    ids=[
        "weights missing",
        "onnx copy damaged",
        "onnx copy missing",
        "settings corrupt",
        "other schema",
        "other schema, onnx",
    ],
)
def test_damaged_or_foreign_model_directory_is_a_clear_error(
    trained_model, tmp_path, runtime, damage, message
):
    copy = tmp_path / "model"
    shutil.copytree(trained_model, copy)
    damage(copy)
    with pytest.raises(TematikError, match=message):
        ThemeClassifier.from_pretrained(copy, runtime=runtime)


def test_onnx_scoring_imports_neither_torch_nor_transformers(trained_model):
    script = (
        "import sys; from tematik import ThemeClassifier; "
        f"c = ThemeClassifier.from_pretrained({str(trained_model)!r}, device='cpu'); "
        "print(c.predict(['Korea Utara meluncurkan rudal balistik.'])[0].labels); "
        "print(sorted({'torch', 'transformers'} & set(sys.modules)))"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "[]"


def test_a_model_that_will_not_export_is_saved_and_scores_with_pytorch(
    trained_model, tmp_path, monkeypatch
):
    def failing_export(model, path):
        path.write_bytes(b"half")
        raise RuntimeError("unsupported operator")

    monkeypatch.setattr("tematik.modeling.export_int8_onnx", failing_export)
    with_torch = ThemeClassifier.from_pretrained(trained_model, runtime="torch")
    with pytest.warns(UserWarning, match="model.int8.onnx: not written .*unsupported operator"):
        with_torch.save_pretrained(tmp_path / "copy")
    assert not (tmp_path / "copy" / "model.int8.onnx").exists()
    again = ThemeClassifier.from_pretrained(tmp_path / "copy")
    assert again.model.__class__.__name__ != "OnnxModel"
    np.testing.assert_allclose(
        again.predict_proba(SEED_TEXTS), with_torch.predict_proba(SEED_TEXTS), atol=1e-6
    )


def test_onnx_runtime_refuses_a_gpu(trained_model):
    with pytest.raises(TematikError, match="runtime='onnx' scores on the CPU"):
        ThemeClassifier.from_pretrained(trained_model, runtime="onnx", device="cuda")


def test_batch_call_for_distributed_engines_survives_pickling(classifier):
    import pandas as pd

    shipped = pickle.loads(pickle.dumps(classifier))  # as Ray or Spark send it to a worker
    batch = {"id": np.array(["a", "b"]), "text": np.array(SEED_TEXTS[:2])}
    out = shipped(batch)
    expected = classifier.predict(SEED_TEXTS[:2])
    assert list(out["id"]) == ["a", "b"]
    assert list(out["labels"]) == [p.labels for p in expected]
    for label in classifier.labels:
        np.testing.assert_allclose(
            out[f"score_{label}"], [p.scores[label] for p in expected], atol=1e-5
        )
    frame = shipped(pd.DataFrame(batch))
    assert list(frame.columns) == list(out) and list(frame["labels"]) == list(out["labels"])
