"""Prodigy: its text-classification datasets imported, answers merged per text."""

from conftest import run_cli
from tool_exports import TEXTS, prodigy_manual, prodigy_teach, read_jsonl


def _import(tmp_path, *lines):
    export = tmp_path / "tema.jsonl"
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")
    output = tmp_path / "imported.jsonl"
    result = run_cli("import", export, "--from", "prodigy", "--output", output)
    return result, export, output


def test_manual_and_teach_answers_become_articles_once_every_theme_is_decided(tmp_path):
    themes = ["missile_threat", "intel_sharing", "diplomacy", "economic_security"]
    result, export, output = _import(
        tmp_path,
        prodigy_manual(11, TEXTS[101], ["DIPLOMACY", "MISSILE_THREAT"]),
        prodigy_manual(12, TEXTS[102], []),
        prodigy_manual(13, TEXTS[103], [], answer="ignore"),
        prodigy_manual(14, TEXTS[104], ["INTEL_SHARING"], answer="reject"),
        *(
            prodigy_teach(
                15, TEXTS[106], t.upper(), "accept" if t == "economic_security" else "reject"
            )
            for t in themes
        ),
        prodigy_teach(16, TEXTS[105], "Diplomasi", "accept"),
        prodigy_manual(17, TEXTS[107], ["DIPLOMACY"], annotator="ana"),
        prodigy_manual(17, TEXTS[107], ["DIPLOMACY", "ECONOMIC_SECURITY"], annotator="budi"),
    )
    assert result.exit_code == 0, result.output
    assert [(row["id"], row["labels"], row["source"]) for row in read_jsonl(output)] == [
        ("prodigy-11", ["missile_threat", "diplomacy"], "prodigy input 11"),
        ("prodigy-12", [], "prodigy input 12"),
        ("prodigy-15", ["economic_security"], "prodigy input 15"),
    ]
    stderr = result.stderr
    assert f"{export}:3: ignored in Prodigy, not imported" in stderr
    assert (
        f"{export}:4: no answer on missile_threat, diplomacy, economic_security, not imported"
        in stderr
    )
    assert f"{export}:9: no answer on missile_threat, intel_sharing, economic_security" in stderr
    assert "annotate every theme of it, e.g. with textcat.manual" in stderr
    assert f"{export}:10: answers disagree on economic_security, not imported" in stderr
    assert "imported 3 article(s)" in result.stdout and "4 left out" in result.stdout


def test_unknown_labels_and_answers_are_named_by_line_and_nothing_written(tmp_path):
    result, export, output = _import(
        tmp_path,
        prodigy_manual(11, TEXTS[101], ["DIPLOMACY"]),
        prodigy_teach(12, TEXTS[109], "CYBER", "accept"),
        prodigy_teach(13, TEXTS[105], "DIPLOMACY", "maybe"),
        '{"text": "' + TEXTS[108] + '", "_input_hash": 14, "answer": "accept", "spans": []}',
    )
    assert result.exit_code == 2 and not output.exists()
    assert f"{export}:2: unknown label 'CYBER'; known: missile_threat" in result.stderr
    assert f"{export}:3: answer must be one of accept, reject, ignore" in result.stderr
    assert f"{export}:4: neither options nor a label" in result.stderr
