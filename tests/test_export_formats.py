"""Files that are not the export asked for: one line naming what they are and the fix."""

import json
import zipfile
import zlib

from conftest import run_cli
from tool_exports import TEXTS, doccano_line, studio_annotation, studio_task


def test_a_file_that_is_not_an_export_is_one_line(tmp_path):
    broken = tmp_path / "export.json"
    broken.write_text('[{"id": 1, "data": ', encoding="utf-8")
    result = run_cli("import", broken, "--from", "label-studio", "--output", tmp_path / "o.jsonl")
    assert result.exit_code == 2 and result.output.count("\n") == 1
    assert f"{broken}: not a JSON file" in result.output


def test_a_zipped_or_wrongly_encoded_export_is_one_line_naming_the_fix(tmp_path):
    zipped = tmp_path / "export.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("export.json", "[]")
    latin = tmp_path / "admin.jsonl"
    latin.write_bytes(doccano_line(1, "Kerja sama", []).encode() + b"\n" + "café".encode("cp1252"))
    output = tmp_path / "o.jsonl"
    for export, tool, message in [
        (zipped, "label-studio", f"{zipped}:0: a zip archive; unzip it"),
        (latin, "doccano", f"{latin}:2: not UTF-8 text; save the file as UTF-8"),
    ]:
        result = run_cli("import", export, "--from", tool, "--output", output)
        assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
        assert message in result.output and not output.exists()


def _exports_of_every_kind(tmp_path):
    """One file of each kind a user may hand to `tematik import`, in the tool's real structure."""
    ids = list(TEXTS)[:3]
    minimal = [
        {
            "text": TEXTS[i],
            "id": i,
            "themes": {"choices": ["diplomacy", "missile_threat"]},
            "annotator": 1,
            "annotation_id": i - 100,
            "created_at": "2025-03-04T09:12:40Z",
            "updated_at": "2025-03-04T09:12:40Z",
            "lead_time": 37.2,
        }
        for i in ids
    ]
    header = ["text", "id", "themes", "annotator", "annotation_id", "created_at", "lead_time"]
    studio_rows = [
        [TEXTS[i], str(i), "diplomacy", "1", str(i - 100), "2025-03-04", "37.2"] for i in ids
    ]
    prodigy = {
        "text": TEXTS[101],
        "_input_hash": 1834512,
        "_task_hash": -99812,
        "label": "DIPLOMACY",
        "meta": {"score": 0.52},
        "_view_id": "classification",
        "answer": "accept",
    }
    spacy_json = [
        {
            "id": 0,
            "paragraphs": [
                {"raw": TEXTS[101], "sentences": [], "cats": [{"label": "diplomacy", "value": 1.0}]}
            ],
        }
    ]
    older = {
        "id": 1,
        "text": TEXTS[101],
        "annotations": [{"label": 3, "user": 1}],
        "meta": {},
        "annotation_approver": None,
    }
    files = {
        "project.json": _label_studio_json(),
        "project-min.json": json.dumps(minimal),
        "project.csv": "\n".join(",".join(f'"{c}"' for c in row) for row in [header, *studio_rows]),
        "project.tsv": "\n".join("\t".join(row) for row in [header, *studio_rows]),
        "admin.jsonl": "\n".join(doccano_line(i, TEXTS[i], ["diplomacy"]) for i in ids),
        "doccano.json": json.dumps(
            [{"id": i, "text": TEXTS[i], "label": ["diplomacy"]} for i in ids]
        ),
        "doccano.csv": "id,text,label\n" + "\n".join(f'{i},"{TEXTS[i]}",diplomacy' for i in ids),
        "doccano.txt": "\n".join(f"__label__diplomacy {TEXTS[i]}" for i in ids),
        "doccano-0.9.jsonl": json.dumps(older),
        "prodigy.jsonl": json.dumps(prodigy),
        "train.json": json.dumps(spacy_json),
        "table.csv": "judul,isi\n" + "\n".join(f'"{i}","{TEXTS[i]}"' for i in ids),
        "notes.txt": "\n".join(TEXTS.values()),
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "train.spacy").write_bytes(zlib.compress(b"\x83\xa5attrs\x92\xcd\x01"))
    return tmp_path


def _label_studio_json():
    return json.dumps([studio_task(101, studio_annotation(1, 101, "diplomacy"))])


def test_an_export_of_another_kind_is_one_line_naming_what_it_is_and_the_fix(tmp_path):
    folder = _exports_of_every_kind(tmp_path)
    output = tmp_path / "out" / "o.jsonl"
    for name, tool, message in [
        (
            "project.json",
            "doccano",
            "a Label Studio JSON export, not what --from doccano reads; "
            "import it with --from label-studio",
        ),
        ("project.json", "prodigy", "import it with --from label-studio"),
        (
            "project-min.json",
            "label-studio",
            "a Label Studio JSON-MIN export, not what --from "
            "label-studio reads; it keeps no annotators' choices to settle; export the project "
            "from Label Studio as JSON (not JSON-MIN)",
        ),
        (
            "project.csv",
            "label-studio",
            "a Label Studio CSV or TSV export, not what --from "
            "label-studio reads; export the project from Label Studio as JSON",
        ),
        ("project.tsv", "label-studio", "a Label Studio CSV or TSV export"),
        (
            "admin.jsonl",
            "label-studio",
            "JSON Lines, one object per line, as doccano exports, not "
            "what --from label-studio reads; import it with --from doccano",
        ),
        (
            "doccano.json",
            "doccano",
            "a doccano JSON export (one array), not what --from doccano "
            "reads; export the doccano project as JSONL",
        ),
        (
            "doccano.csv",
            "doccano",
            "a doccano CSV export, not what --from doccano reads; export "
            "the doccano project as JSONL",
        ),
        ("doccano.txt", "doccano", "a fastText file (__label__ prefixes), as doccano exports"),
        (
            "doccano-0.9.jsonl",
            "doccano",
            "a doccano export from before version 1.0 (labels as "
            "numbers), not what --from doccano reads; export the project again from doccano 1.0",
        ),
        (
            "prodigy.jsonl",
            "doccano",
            "a Prodigy dataset (prodigy db-out), not what --from "
            "doccano reads; import it with --from prodigy",
        ),
        (
            "train.json",
            "prodigy",
            "spaCy training data, not what --from prodigy reads; import "
            "the annotations it was converted from",
        ),
        ("train.spacy", "label-studio", "spaCy training data"),
        (
            "table.csv",
            "doccano",
            "a CSV or TSV table, not what --from doccano reads; export JSON "
            "from the annotation tool",
        ),
        ("notes.txt", "doccano", "neither JSON nor JSON Lines"),
    ]:
        export = folder / name
        result = run_cli("import", export, "--from", tool, "--output", output)
        assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
        assert result.output.startswith(f"error: {export}: ") and message in result.output
        assert not output.parent.exists()
