import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import ROOT, run_cli, tiny_training

from tematik.modeling import SETTINGS_FILE


def test_training_writes_a_complete_model_directory(trained_model):
    files = {path.name for path in trained_model.iterdir()}
    assert {
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "model.int8.onnx",
        SETTINGS_FILE,
        "README.md",
    } <= files
    config = json.loads((trained_model / "config.json").read_text())
    assert config["problem_type"] == "multi_label_classification"
    assert config["id2label"] == {
        "0": "missile_threat",
        "1": "intel_sharing",
        "2": "diplomacy",
        "3": "economic_security",
    }
    assert not trained_model.with_name(trained_model.name + ".incomplete").exists()


def test_settings_record_thresholds_windows_data_and_recipe(trained_model, tiny_base_model):
    settings = json.loads((trained_model / SETTINGS_FILE).read_text())
    assert set(settings["thresholds"]) == set(settings["labels"])
    assert all(0 < t < 1 for t in settings["thresholds"].values())
    assert settings["windows"]["max_length"] == 64
    training = settings["training"]
    assert training["recipe"]["base_model"] == str(tiny_base_model)
    assert training["recipe"]["epochs"] == 3
    assert training["files"] == ["labels/seeds.jsonl"]
    assert training["train"]["articles"] + training["validation"]["articles"] == 5
    assert {"micro_f1", "macro_f1", "samples_f1", "per_label"} <= set(
        training["validation_metrics"]
    )


def test_trainer_metrics_follow_the_order_the_trainer_evaluated_in():
    """Length grouping reorders validation articles; metrics must pair each prediction with the
    labels that came with it, not with the articles' original order."""
    from transformers import EvalPrediction

    from tematik.trainer import _article_f1

    labels = np.array([[1, 0], [1, 0], [0, 1], [0, 1], [1, 1], [0, 0]])
    logits = np.where(labels == 1, 3.0, -3.0)
    order = np.array([4, 2, 0, 5, 1, 3])
    metrics = _article_f1(["a", "b"])(EvalPrediction(logits[order], labels[order]))
    assert metrics["macro_f1"] == 1.0


def test_training_records_epochs_and_the_selected_checkpoint(trained_model):
    training = json.loads((trained_model / SETTINGS_FILE).read_text())["training"]
    assert 0 < training["epochs_run"] <= training["recipe"]["epochs"]
    assert training["best_epoch_macro_f1"] == pytest.approx(
        training["validation_metrics"]["macro_f1"], abs=1e-6
    )


def test_the_model_directory_is_readable_by_others_under_umask_022(tiny_base_model, tmp_path):
    output = tmp_path / "shared"
    umask = os.umask(0o022)
    try:
        result = run_cli(
            "train", *tiny_training(tiny_base_model), "--output", output, "--epochs", "1"
        )
    finally:
        os.umask(umask)
    assert result.exit_code == 0, result.output
    modes = {path.name: stat.S_IMODE(path.stat().st_mode) for path in [output, *output.iterdir()]}
    assert modes.pop(output.name) == 0o755
    assert "model.safetensors" in modes and set(modes.values()) == {0o644}, modes


def test_existing_output_is_refused_without_overwrite(trained_model):
    before = (trained_model / "model.safetensors").read_bytes()
    result = run_cli("train", "--data", "labels/seeds.jsonl", "--output", trained_model)
    assert result.exit_code == 2
    assert "already exists; pass --overwrite" in result.output
    assert (trained_model / "model.safetensors").read_bytes() == before


def test_unknown_base_model_offline_gives_one_line_with_the_fix(tmp_path):
    output = tmp_path / "never"
    result = run_cli(
        "train",
        "--data",
        "labels/seeds.jsonl",
        "--output",
        output,
        "--base-model",
        "no-such-org/no-such-model",
    )
    assert result.exit_code == 2
    message = result.output.strip().splitlines()[-1]
    assert message.startswith(
        "error: base model 'no-such-org/no-such-model' is not in the Hugging Face cache and "
        "HF_HUB_OFFLINE is set"  # as the tests set it: the message must not suggest setting it
    )
    assert "--base-model PATH" in message and "train/offline.yaml" in message
    assert "HF_HUB_OFFLINE=1" not in message and "Traceback" not in result.output
    assert not output.exists() and not tmp_path.joinpath("never.incomplete").exists()


def test_an_unreachable_hub_fails_in_seconds_without_retry_noise(tmp_path):
    environment = {key: value for key, value in os.environ.items() if key != "HF_HUB_OFFLINE"}
    environment |= {"HF_ENDPOINT": f"http://127.0.0.1:{_free_port()}", "HF_HOME": str(tmp_path)}
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "tematik", "train", "--data", "labels/seeds.jsonl"]
        + ["--output", str(tmp_path / "never"), "--base-model", "no-such-org/no-such-model"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 2, result.stderr
    assert time.monotonic() - started < 30  # about 5 s, nearly all imports; it took 50 before
    assert result.stderr.count("\n") == 2, result.stderr  # "training …" and the error
    assert "does not answer and the model is not in the Hugging Face cache" in result.stderr
    assert not (tmp_path / "never").exists()


def test_bad_training_data_stops_before_any_compute(tmp_path):
    data = tmp_path / "bad.jsonl"
    data.write_text('{"id": "x", "text": "Rudal.", "labels": ["rocket"]}\n')
    result = run_cli("train", "--data", data, "--output", tmp_path / "m")
    assert result.exit_code == 2
    assert f"{data}:1: unknown label 'rocket'" in result.output
    assert not (tmp_path / "m").exists()


def test_a_recipe_or_schema_that_is_a_folder_or_missing_is_one_line(tmp_path):
    for arguments, message in [
        (["train", tmp_path], f"{tmp_path}:0: a folder, not a file; name the file inside"),
        (["train", tmp_path / "no.yaml"], "no.yaml:0: file not found; recipes live in train/"),
        (["validate", "--schema", tmp_path], f"{tmp_path}:0: a folder, not a file"),
    ]:
        result = run_cli(*arguments)
        assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
        assert message in result.output


@pytest.mark.skipif(
    __import__("torch").cuda.is_available(), reason="checks the message on a machine without a GPU"
)
def test_tf32_without_a_gpu_is_refused_with_the_fix(tiny_base_model, tmp_path):
    recipe = tmp_path / "r.yaml"
    settings = {"base_model": str(tiny_base_model), "max_length": 64, "stride": 16}
    recipe.write_text(yaml.safe_dump({**settings, "precision": "tf32"}))
    result = run_cli("train", recipe, "--data", "labels/seeds.jsonl", "--output", tmp_path / "m")
    assert result.exit_code == 2
    assert "precision tf32 needs an NVIDIA GPU of the Ampere generation or newer" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "m").exists() and not (tmp_path / "m.incomplete").exists()


def test_training_batches_are_padded_to_a_multiple_of_8(tiny_base_model):
    from transformers import AutoTokenizer

    from tematik.trainer import ArticleCollator

    tokenizer = AutoTokenizer.from_pretrained(tiny_base_model)
    articles = [
        {"windows": [tokenizer("rudal balistik")["input_ids"]], "labels": [1, 0, 0, 0]},
        {
            "windows": [tokenizer("sanksi ekonomi dan diplomasi")["input_ids"]] * 2,
            "labels": [0, 0, 1, 1],
        },
    ]
    batch = ArticleCollator()(articles)
    assert batch["input_ids"].shape[0] == 3 and batch["input_ids"].shape[1] % 8 == 0
    assert batch["window_article"].tolist() == [0, 1, 1]
    assert batch["attention_mask"].sum(dim=1).tolist() == [
        len(articles[0]["windows"][0]),
        *[len(articles[1]["windows"][0])] * 2,
    ]


def _record(id_, labels):
    from tematik.annotations import Record

    return Record(id=id_, text=f"artikel {id_}", labels=tuple(labels))


def test_validation_split_is_stratified_deterministic_and_keeps_every_theme_in_training():
    from tematik.trainer import split_validation

    records = [_record(f"d{i}", ["diplomacy"]) for i in range(10)]
    records += [_record(f"n{i}", []) for i in range(10)]
    records += [_record("m1", ["missile_threat"]), _record("m2", ["missile_threat"])]
    train, validation = split_validation(records, 0.2, seed=7)
    assert split_validation(records, 0.2, seed=7) == (train, validation)
    assert sum(r.labels == ("diplomacy",) for r in validation) == 2
    assert sum(not r.labels for r in validation) == 2
    assert any("missile_threat" in r.labels for r in train)
    assert {r.id for r in train} | {r.id for r in validation} == {r.id for r in records}


def test_window_longer_than_the_base_model_allows_is_refused(tiny_base_model, tmp_path):
    result = run_cli(
        "train",
        "--data",
        "labels/seeds.jsonl",
        "--output",
        tmp_path / "m",
        "--base-model",
        tiny_base_model,
        "--max-length",
        "512",
    )
    assert result.exit_code == 2
    assert "max_length 512 exceeds the 128 positions" in result.output


def test_a_diverging_loss_stops_training_and_saves_nothing(tiny_base_model, tmp_path):
    output = tmp_path / "m"
    result = run_cli(
        "train",
        *tiny_training(tiny_base_model),
        "--output",
        output,
        "--epochs",
        "3",
        "--learning-rate",
        "1e38",
    )
    assert result.exit_code == 2, result.output
    assert "training diverged: the loss became" in result.output
    assert "Lower --learning-rate" in result.output and "Traceback" not in result.output
    assert not output.exists()


def _resumable_run(tiny_base_model, tmp_path) -> list[str]:
    recipe = tmp_path / "long.yaml"
    recipe.write_text("epochs: 12\nearly_stopping_patience: 100\nbatch_size: 2\n")
    return ["train", str(recipe), *tiny_training(tiny_base_model), "--learning-rate", "1e-3"]


def _outcome(model: Path) -> tuple[dict, dict]:
    settings = json.loads((model / "tematik.json").read_text(encoding="utf-8"))
    return settings["thresholds"], settings["training"]["validation_metrics"]


def test_same_seed_same_data_gives_the_same_model(tiny_base_model, tmp_path):
    args = _resumable_run(tiny_base_model, tmp_path)
    for name in ("first", "second"):
        assert run_cli(*args, "--output", tmp_path / name).exit_code == 0
    assert _outcome(tmp_path / "first") == _outcome(tmp_path / "second")


def _terminated(args: list[str], ready: Callable[[], object]) -> str:
    """Start `tematik` with `args`, send SIGTERM once `ready()`, and return its stderr."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tematik", *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not ready():
        assert process.poll() is None and time.monotonic() < deadline, "not ready in 120 s"
        time.sleep(0.01)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    return stderr


def test_a_signal_inside_a_finalizer_prints_nothing_and_stops_at_the_next_step(monkeypatch):
    from tematik import trainer

    dropped = []  # what Python would print as "Exception ignored in ... Traceback"
    monkeypatch.setattr(sys, "unraisablehook", dropped.append)

    class Finalized:
        def __del__(self):
            trainer.stop_on_signal(signal.SIGTERM, sys._getframe())

    try:
        Finalized()
        assert dropped == []
        with pytest.raises(KeyboardInterrupt):
            trainer._raise_if_stop_requested()
    finally:
        trainer._stop_requested.clear()


def test_sigterm_keeps_checkpoints_and_resume_finishes_the_same_model(tiny_base_model, tmp_path):
    args = _resumable_run(tiny_base_model, tmp_path)
    assert run_cli(*args, "--output", tmp_path / "whole").exit_code == 0
    output = tmp_path / "cut"
    checkpoints = tmp_path / "cut.incomplete" / "checkpoints"
    stderr = _terminated(
        [*args, "--output", str(output)],
        lambda: list(checkpoints.glob("checkpoint-*/trainer_state.json")),
    )
    assert "--resume" in stderr and "Traceback" not in stderr
    assert not output.exists()

    again = run_cli(*args, "--output", output)
    assert again.exit_code == 2 and "holds an interrupted run; continue it with --resume" in (
        again.output
    )
    resumed = run_cli(*args, "--output", output, "--resume")
    assert resumed.exit_code == 0, resumed.output
    assert _outcome(output) == _outcome(tmp_path / "whole")
    assert not (tmp_path / "cut.incomplete").exists()


def test_sigterm_in_the_first_epoch_says_there_is_nothing_to_resume(tiny_base_model, tmp_path):
    args = _resumable_run(tiny_base_model, tmp_path)
    args[args.index("labels/seeds.jsonl")] = "labels/authored.jsonl"  # a longer first epoch
    output = tmp_path / "early"
    staging = tmp_path / "early.incomplete"
    stderr = _terminated([*args, "--output", str(output)], (staging / "recipe.json").exists)
    assert "interrupted before the first epoch finished" in stderr
    assert "nothing to resume; run the same command again, without --resume" in stderr
    assert not output.exists() and not staging.exists()


def test_two_process_ddp_run_writes_one_complete_model(tiny_base_model, tmp_path):
    """fp32, as on a CPU without bf16: the processes must find each other without an accelerator."""
    recipe = tmp_path / "recipes" / "fp32.yaml"
    recipe.parent.mkdir()
    recipe.write_text("precision: fp32\n")
    output = tmp_path / "ddp-tema"
    launch = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2"]
    launch += ["--master-port", str(_free_port()), "-m", "tematik", "train"]
    result = subprocess.run(
        [*launch, str(recipe), *tiny_training(tiny_base_model), "--epochs", "2"]
        + ["--output", str(output)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.count(f"wrote {output}") == 1
    settings = json.loads((output / SETTINGS_FILE).read_text(encoding="utf-8"))
    assert settings["training"]["epochs_run"] == 2 and settings["training"]["processes"] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ddp-tema", "recipes"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
