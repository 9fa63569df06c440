import json
import re

from conftest import ROOT, run_cli


def _write_lines(path, *lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _entry(id_, text, labels):
    return json.dumps({"id": id_, "text": text, "labels": labels})


def test_validate_prints_counts_for_the_seed_annotations():
    result = run_cli("validate", "labels/seeds.jsonl")
    assert result.exit_code == 0, result.output
    assert "5 articles" in result.output
    for theme, count in [
        ("missile_threat", 4),
        ("intel_sharing", 3),
        ("diplomacy", 5),
        ("economic_security", 2),
    ]:
        assert re.search(rf"{theme}\W+{count}\b", result.output)
    assert "median" in result.output


def test_every_project_annotation_file_is_valid():
    result = run_cli("validate")
    assert result.exit_code == 0, result.output


def test_validate_lists_every_problem_with_file_and_line(tmp_path):
    broken = _write_lines(
        tmp_path / "broken.jsonl",
        _entry("a", "Menlu bertemu di Jakarta.", ["diplomacy"]),
        '{"id": "b", "text": "kalimat", "labels": [',
        _entry("c", "Rudal diluncurkan.", ["missile_threats"]),
        _entry("a", "Teks lain sama sekali.", []),
        _entry("d", "   ", []),
        json.dumps({"id": "e", "labels": []}),
        _entry("f", "Menlu bertemu di Jakarta.", ["diplomacy"]),
    )
    result = run_cli("validate", broken)
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert f"{broken}:2: invalid JSON" in result.output
    assert any(line.startswith(f"{broken}:3: unknown label 'missile_threats'") for line in lines)
    assert f"{broken}:4: id 'a' already used at {broken}:1" in result.output
    assert f"{broken}:5: text must be a non-empty string" in result.output
    assert f"{broken}:6: missing field text" in result.output
    assert f"{broken}:7: same text as {broken}:1" in result.output
    assert "Traceback" not in result.output


def test_ids_must_be_unique_across_files(tmp_path):
    first = _write_lines(tmp_path / "a.jsonl", _entry("x", "Satu artikel.", []))
    second = _write_lines(tmp_path / "b.jsonl", _entry("x", "Artikel kedua.", []))
    result = run_cli("validate", first, second)
    assert result.exit_code == 2
    assert f"{second}:1: id 'x' already used at {first}:1" in result.output


def test_empty_and_binary_files_get_one_line_each(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    binary = tmp_path / "binary.jsonl"
    binary.write_bytes(bytes(range(256)) * 4)
    result = run_cli("validate", empty, binary)
    assert result.exit_code == 2
    assert f"{empty}:0: file is empty" in result.output
    assert f"{binary}:0: binary file" in result.output
    assert "Traceback" not in result.output


def test_missing_annotation_file_is_reported(tmp_path):
    result = run_cli("validate", tmp_path / "nowhere.jsonl")
    assert result.exit_code == 2
    assert "nowhere.jsonl:0: file not found" in result.output
    no_annotations = tmp_path / "empty_folder"
    no_annotations.mkdir()
    result = run_cli("validate", no_annotations)
    assert result.exit_code == 2 and result.output.count("\n") == 1
    assert f"{no_annotations}: no *.jsonl annotation file in this folder" in result.output


def test_absolute_patterns_and_names_with_pattern_characters_are_read(tmp_path, monkeypatch):
    bracketed = _write_lines(tmp_path / "berita [1].jsonl", _entry("b1", "Menlu bertemu.", []))
    _write_lines(tmp_path / "berita 2.jsonl", _entry("b2", "Rudal diluncurkan.", []))
    schema = ["--schema", str(ROOT / "labels" / "themes.yaml")]
    monkeypatch.chdir(tmp_path)
    for pattern, articles in [(f"{tmp_path}/*.jsonl", 2), (bracketed, 1), ("berita [1].jsonl", 1)]:
        result = run_cli("validate", pattern, *schema)
        assert result.exit_code == 0, result.output
        assert f"{articles} articles" in result.output


def test_json_that_python_cannot_parse_is_a_problem_not_a_crash(tmp_path):
    """Deep nesting (RecursionError) and a 5,000-digit number (ValueError) are invalid JSON too."""
    broken = _write_lines(
        tmp_path / "odd.jsonl",
        _entry("a", "Menlu bertemu di Jakarta.", ["diplomacy"]),
        "[" * 5000,
        "1" * 5000,
    )
    result = run_cli("validate", broken)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"{broken}:2: invalid JSON (nested too deeply" in result.output
    assert f"{broken}:3: invalid JSON (number too long" in result.output


def test_validate_refuses_files_that_datasets_cannot_load_together(tmp_path):
    import datasets
    import pytest

    first = _write_lines(
        tmp_path / "a.jsonl",
        json.dumps({"id": "a", "text": "Menlu bertemu.", "labels": [], "note": "x"}),
    )
    other = _write_lines(
        tmp_path / "b.jsonl",
        json.dumps({"id": "b", "text": "Rudal.", "labels": [], "url": "https://contoh.id/1"}),
    )
    typed = _write_lines(
        tmp_path / "c.jsonl",
        json.dumps({"id": "c", "text": "Sanksi.", "labels": [], "note": 3}),
        json.dumps({"id": "d", "text": "Cip.", "labels": [], "note": "baca ulang"}),
    )
    for files in ([first, other], [other, first]):
        with pytest.raises(datasets.exceptions.DatasetGenerationError):
            datasets.load_dataset(
                "json", data_files=list(map(str, files)), cache_dir=str(tmp_path / "cache")
            )
    result = run_cli("validate", first, other, typed)
    assert result.exit_code == 2
    assert f"{other}:0: columns differ from {first} (has url; lacks note): " in result.stderr
    assert "datasets.load_dataset cannot load these files together" in result.stderr
    assert f"{typed}:0: values of different types in column note (number and text)" in (
        result.stderr
    )
    assert run_cli("validate", first, tmp_path / "a.jsonl").exit_code == 0
