"""doccano: its JSONL exports imported."""

import json

from conftest import run_cli
from tool_exports import TEXTS, doccano_line, labels_folder, load_together, read_jsonl


def test_doccano_export_is_imported(tmp_path):
    export = tmp_path / "admin.jsonl"
    export.write_text(
        "\n".join(
            [
                doccano_line(1, TEXTS[101], ["diplomacy", "missile_threat"]),
                doccano_line(2, TEXTS[104], ["Berbagi intelijen", "DIPLOMASI"]),
                doccano_line(3, TEXTS[106], ["economic_security"], key="labels"),
                doccano_line(4, TEXTS[108], []),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    output = tmp_path / "imported.jsonl"
    result = run_cli("import", export, "--from", "doccano", "--output", output)
    assert result.exit_code == 0, result.output
    assert [(row["id"], row["labels"], row["source"]) for row in read_jsonl(output)] == [
        ("doccano-1", ["missile_threat", "diplomacy"], "doccano example 1"),
        ("doccano-2", ["intel_sharing", "diplomacy"], "doccano example 2"),
        ("doccano-3", ["economic_security"], "doccano example 3"),
        ("doccano-4", [], "doccano example 4"),
    ]


def test_doccano_unknown_labels_and_spans_are_named_by_line(tmp_path):
    export = tmp_path / "admin.jsonl"
    export.write_text(
        "\n".join(
            [
                doccano_line(1, TEXTS[101], ["diplomacy"]),
                doccano_line(2, TEXTS[102], ["Ekonomi"]),
                doccano_line(3, TEXTS[103], [[0, 6, "diplomacy"]]),
            ]
        ),
        encoding="utf-8",
    )
    output = tmp_path / "imported.jsonl"
    result = run_cli("import", export, "--from", "doccano", "--output", output)
    assert result.exit_code == 2 and not output.exists()
    assert f"{export}:2: unknown label 'Ekonomi'" in result.stderr
    assert f'{export}:3: "label" must be a list of category names' in result.stderr


def test_extra_fields_are_dropped_with_a_notice_so_files_load_together(tmp_path):
    labels = labels_folder(tmp_path)
    export = tmp_path / "admin.jsonl"
    rows = [
        {
            "id": 1,
            "text": TEXTS[101],
            "label": ["diplomacy"],
            "url": "https://contoh.id/1",
            "kanal": "dunia",
            "Comments": [],
        },
        {"id": 2, "text": TEXTS[102], "label": [], "url": "https://contoh.id/2", "Comments": []},
    ]
    export.write_text("\n".join(map(json.dumps, rows)), encoding="utf-8")
    result = run_cli("import", export, "--from", "doccano", "--output", labels / "admin.jsonl")
    assert result.exit_code == 0, result.output
    assert "fields dropped (articles that had them): kanal (1); annotation files keep the " in (
        result.stderr
    )
    assert [row["source"] for row in read_jsonl(labels / "admin.jsonl")] == [
        "https://contoh.id/1",
        "https://contoh.id/2",
    ]
    assert run_cli("validate", labels).exit_code == 0
    loaded = load_together(labels)
    assert loaded.num_rows == 7
