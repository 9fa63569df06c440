import contextlib
import json
import os
import pty
import select
import subprocess
import sys
import time

import pytest
from conftest import ROOT, SEEDS, run_cli


def test_help_answers_at_once_without_torch():
    code = "import sys, tematik.cli; print(sorted({'torch', 'transformers'} & set(sys.modules)))"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == "[]"
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "tematik", "--help"], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0 and "classify" in result.stdout
    assert time.monotonic() - started < 5  # generous; bench/ measures the real figure


def test_every_command_describes_every_option_and_flags_take_no_value():
    from typing import get_type_hints

    from tematik.cli import app

    for command in app.registered_commands:
        name = command.name or command.callback.__name__
        shown = run_cli(name, "--help").output
        assert "<bool>" not in shown, f"{name} --help shows a flag as taking a value"
        squashed = "".join(shown.replace("│", "").split())  # help wraps over panel lines
        hints = get_type_hints(command.callback, include_extras=True)
        hints.pop("return")
        for parameter, hint in hints.items():
            declared = [info.help for info in getattr(hint, "__metadata__", ())]
            assert declared and declared[0], f"{name}: {parameter} has no help"
            assert "".join(declared[0].split()) in squashed, f"{name} --help hides {parameter}"


def test_version_names_tematik_and_its_libraries():
    from importlib.metadata import version

    result = run_cli("--version")
    assert result.exit_code == 0
    assert result.output.startswith(f"tematik {version('tematik')} (Python ")
    assert f"transformers {version('transformers')}" in result.output


def test_classify_seeds_as_json(trained_model):
    result = run_cli("classify", "--model", trained_model, "--json", "seeds/")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["id"] for row in rows] == [f"seeds/{seed.name}" for seed in SEEDS]
    for row in rows:
        assert set(row["scores"]) == {
            "missile_threat",
            "intel_sharing",
            "diplomacy",
            "economic_security",
        }
        assert set(row["labels"]) <= set(row["scores"])


def test_classify_in_fp32_gives_nearly_the_same_scores_as_the_int8_default(trained_model):
    def scores(*flags: str) -> list[dict]:
        result = run_cli("classify", "--model", trained_model, "--json", *flags, "seeds/")
        assert result.exit_code == 0, result.output
        return [json.loads(line)["scores"] for line in result.stdout.splitlines()]

    for int8, fp32 in zip(scores(), scores("--fp32"), strict=True):
        assert all(abs(fp32[theme] - int8[theme]) < 0.05 for theme in fp32)


def test_classify_output_piped_into_head_ends_quietly(trained_model):
    command = [sys.executable, "-m", "tematik", "classify", "--model", str(trained_model)]
    piped = subprocess.run(
        f"{' '.join(command)} --json seeds/ seeds/ | head -n 1",
        shell=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert json.loads(piped.stdout)["id"] == f"seeds/{SEEDS[0].name}"
    assert piped.stderr == ""


def test_the_command_ends_with_all_its_output_and_its_exit_code(trained_model, tmp_path):
    # tematik.cli.main ends the process without the interpreter's teardown: every result must
    # still arrive, with the command's exit code, on a stdout block-buffered as a user's is.
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONUNBUFFERED"}
    missing = tmp_path / "missing.txt"
    command = [sys.executable, "-m", "tematik", "classify", "--model", str(trained_model)]
    result = subprocess.run(
        [*command, "--json", "seeds/", str(missing)],
        env=environment,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 2, result.stderr
    ids = [json.loads(line)["id"] for line in result.stdout.splitlines()]
    assert ids == [f"seeds/{seed.name}" for seed in SEEDS]
    assert str(missing) in result.stderr


def test_classify_streams_results_while_stdin_is_still_open(trained_model):
    command = [sys.executable, "-m", "tematik", "classify", "--model", str(trained_model), "--json"]
    process = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    row = json.dumps({"id": "first", "text": SEEDS[0].read_text(encoding="utf-8")})
    process.stdin.write(f"{row}\n" * 64)  # one chunk of articles; more may follow
    process.stdin.flush()
    ready, _, _ = select.select([process.stdout], [], [], 120)
    assert ready, "no result printed before the input ended"
    assert json.loads(process.stdout.readline())["id"] == "first"
    process.stdin.close()
    assert process.wait(timeout=120) == 0


def _with_stderr_on_a_terminal(command: list[str]) -> tuple[str, str]:
    """Run `command` with stdout piped and stderr on a pseudo-terminal; return both outputs."""
    terminal, stderr = pty.openpty()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, cwd=ROOT)
    os.close(stderr)
    shown = b""
    with contextlib.suppress(OSError):  # EIO once the process closed the terminal
        while chunk := os.read(terminal, 4096):
            shown += chunk
    os.close(terminal)
    stdout, _ = process.communicate(timeout=120)
    return stdout.decode(), shown.decode(errors="replace")


def test_long_work_shows_progress_on_a_terminal_and_only_there(trained_model):
    classify = [sys.executable, "-m", "tematik", "classify", "--model", str(trained_model)]
    stdout, shown = _with_stderr_on_a_terminal([*classify, "--json", "seeds/"])
    assert "scoring articles: 5" in shown
    assert [json.loads(line)["id"] for line in stdout.splitlines()] == [
        f"seeds/{seed.name}" for seed in SEEDS
    ]
    evaluate = ["evaluate", "--model", str(trained_model), "--data", "labels/seeds.jsonl"]
    stdout, shown = _with_stderr_on_a_terminal([sys.executable, "-m", "tematik", *evaluate])
    assert "scoring articles" in shown and "5/5" in shown and "macro-F1" in stdout
    piped = run_cli(*evaluate)
    assert piped.exit_code == 0 and "scoring" not in piped.stderr


def test_classify_prints_a_table_by_default(trained_model):
    result = run_cli("classify", "--model", trained_model, SEEDS[0])
    assert result.exit_code == 0, result.output
    assert "themes" in result.stdout and "diplomacy" in result.stdout


def test_the_table_shows_whole_file_names(trained_model, tmp_path, monkeypatch):
    folder = tmp_path / "berita-kunjungan-kenegaraan"
    folder.mkdir()
    names = [f"laporan-kunjungan-menteri-luar-negeri-ke-tokyo-bagian-{part}.txt" for part in (1, 2)]
    for name in names:
        (folder / name).write_text(SEEDS[0].read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # ids as the user typed them: not as long as pytest's tmp_path
    monkeypatch.setenv("COLUMNS", "160")
    result = run_cli("classify", "--model", trained_model, folder.name)
    assert result.exit_code == 0, result.output
    assert all(f"{folder.name}/{name}" in result.stdout for name in names)


def test_classify_reads_jsonl_and_stdin(trained_model):
    from_jsonl = run_cli("classify", "--model", trained_model, "--json", "labels/seeds.jsonl")
    assert [json.loads(line)["id"] for line in from_jsonl.stdout.splitlines()] == [
        f"seed-{i:03d}" for i in range(5)
    ]
    text = SEEDS[2].read_text(encoding="utf-8")
    from_stdin = run_cli("classify", "--model", trained_model, "--json", "-", input=text)
    assert from_stdin.exit_code == 0, from_stdin.output
    stdin_row = json.loads(from_stdin.stdout)
    in_batch = json.loads(from_jsonl.stdout.splitlines()[2])["scores"]
    assert stdin_row["scores"] == pytest.approx(in_batch, abs=1e-5)


def test_unreadable_inputs_are_named_and_the_rest_classified(trained_model, tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a_good.txt").write_text(SEEDS[0].read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "b_empty.txt").write_bytes(b"")
    (folder / "c_binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (folder / "d_huge.txt").write_bytes(b"Rudal diluncurkan lagi. " * 62_500)  # 1.5 MB, one line
    result = run_cli("classify", "--model", trained_model, "--json", folder, tmp_path / "missing")
    assert result.exit_code == 2
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == [
        str(folder / "a_good.txt")
    ]
    assert f"{folder / 'b_empty.txt'}: empty" in result.stderr
    assert f"{folder / 'c_binary.txt'}: binary file" in result.stderr
    assert (
        f"{folder / 'd_huge.txt'}: larger than 100 KB, too large for one article" in result.stderr
    )
    assert f"{tmp_path / 'missing'}: no such file or folder" in result.stderr
    assert "Traceback" not in result.output


def test_classify_without_a_model_says_how_to_train(tmp_path):
    result = run_cli("classify", "--model", tmp_path / "absent", SEEDS[0])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "train one with `tematik train`" in result.output


def test_evaluate_json_has_the_documented_shape(trained_model):
    result = run_cli("evaluate", "--model", trained_model, "--data", "labels/seeds.jsonl", "--json")
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)
    assert {"micro_f1", "macro_f1", "samples_f1", "per_label"} <= set(metrics)
    assert metrics["per_label"]["diplomacy"]["support"] == 5
    assert set(metrics["per_label"]["intel_sharing"]) == {"precision", "recall", "f1", "support"}


def test_evaluate_prints_a_table(trained_model):
    result = run_cli("evaluate", "--model", trained_model, "--data", "labels/seeds.jsonl")
    assert result.exit_code == 0, result.output
    assert "macro-F1" in result.stdout and "economic_security" in result.stdout


def test_evaluate_says_which_themes_the_data_cannot_measure(trained_model, tmp_path):
    data = tmp_path / "d.jsonl"
    data.write_text('{"id": "x", "text": "Menlu bertemu dubes.", "labels": ["diplomacy"]}\n')
    result = run_cli("evaluate", "--model", trained_model, "--data", data, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["per_label"]["missile_threat"]["support"] == 0
    assert (
        "no article in the data carries missile_threat, intel_sharing, economic_security: "
        "an F1 of 0 there is a convention, not a measurement" in result.stderr
    )
    full = run_cli("evaluate", "--model", trained_model, "--data", "labels/seeds.jsonl")
    assert "no article in the data carries" not in full.stderr


def test_evaluate_rejects_unknown_labels_in_data(trained_model, tmp_path):
    data = tmp_path / "d.jsonl"
    data.write_text('{"id": "x", "text": "Rudal.", "labels": ["cyber"]}\n')
    result = run_cli("evaluate", "--model", trained_model, "--data", data)
    assert result.exit_code == 2
    assert f"{data}:1: unknown label 'cyber'" in result.output


def test_json_rows_python_cannot_parse_are_named_not_a_crash(trained_model, tmp_path):
    rows = tmp_path / "rows.jsonl"
    rows.write_text(json.dumps({"id": "ok", "text": "Menlu bertemu."}) + "\n" + "[" * 5000 + "\n")
    result = run_cli("classify", "--model", trained_model, "--json", rows)
    assert result.exit_code == 2 and json.loads(result.stdout)["id"] == "ok"
    assert f"skipped {rows}:2: invalid JSON (nested too deeply" in result.stderr
