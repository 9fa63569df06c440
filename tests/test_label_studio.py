"""Label Studio: its exports imported, annotations and predictions exported as tasks."""

import json
import xml.etree.ElementTree as ET

from conftest import ROOT, SEEDS, run_cli
from tool_exports import (
    TEXTS,
    label_studio_export,
    labels_folder,
    load_together,
    read_jsonl,
    studio_annotation,
    studio_choices,
    studio_result,
    studio_task,
)

from tematik.exchange import resolve


def test_label_studio_export_is_imported_by_the_annotators_rule(tmp_path):
    export = label_studio_export(tmp_path / "project-7-at-2025-03-04.json")
    output = tmp_path / "imported.jsonl"
    result = run_cli("import", export, "--from", "label-studio", "--output", output)
    assert result.exit_code == 0, result.output
    rows = {row["id"]: row for row in read_jsonl(output)}
    assert {row_id: row["labels"] for row_id, row in rows.items()} == {
        "label-studio-101": ["missile_threat", "diplomacy"],
        "label-studio-104": ["intel_sharing", "diplomacy"],
        "label-studio-106": ["economic_security"],
        "label-studio-107": ["diplomacy", "economic_security"],
        "label-studio-108": [],
    }
    assert rows["label-studio-104"]["text"] == TEXTS[104]
    assert rows["label-studio-104"]["source"] == "label-studio task 104"
    assert f"{export}: task 102: skipped (every annotator skipped it)" in result.stderr
    assert f"{export}: task 103: skipped (no annotation)" in result.stderr
    assert f"{export}: task 105: annotators tie on intel_sharing" in result.stderr
    assert "imported 5 article(s)" in result.stdout and "(1 with no theme)" in result.stdout
    assert run_cli("validate", output).exit_code == 0


def test_unknown_choices_and_missing_text_write_nothing(tmp_path):
    export = label_studio_export(
        tmp_path / "export.json",
        studio_task(
            109, studio_annotation(14, 109, "diplomacy"), studio_annotation(15, 109, "Siber")
        ),
        studio_task(110, studio_annotation(16, 110, "diplomacy"), text=""),
    )
    output = tmp_path / "imported.jsonl"
    result = run_cli("import", export, "--from", "label-studio", "--output", output)
    assert result.exit_code == 2
    assert not output.exists()
    assert (
        f"{export}: task 109: unknown choice 'Siber' of control 'themes' in annotation 15"
        in result.stderr
    )
    assert "known: missile_threat (Ancaman rudal)" in result.stderr
    assert f"{export}: task 110: no text in data.text" in result.stderr
    assert result.stderr.splitlines()[-1] == (
        f"error: 2 problem(s) in {export} (listed above); nothing written"
    )
    assert "Traceback" not in result.output


def test_import_never_replaces_an_annotation_file_unasked(tmp_path):
    export = label_studio_export(tmp_path / "export.json")
    output = tmp_path / "imported.jsonl"
    output.write_text("precious\n", encoding="utf-8")
    refused = run_cli("import", export, "--from", "label-studio", "--output", output)
    assert refused.exit_code == 2 and "already exists" in refused.stderr
    assert output.read_text(encoding="utf-8") == "precious\n"
    replaced = run_cli(
        "import", export, "--from", "label-studio", "--output", output, "--overwrite"
    )
    assert replaced.exit_code == 0 and len(read_jsonl(output)) == 5


def test_resolve_lets_ground_truth_win_and_reports_ties():
    chosen = [{"diplomacy"}, {"diplomacy", "intel_sharing"}, {"missile_threat"}]
    assert resolve(chosen, [False] * 3) == ({"diplomacy"}, [])
    assert resolve(chosen, [False, False, True]) == ({"missile_threat"}, [])
    assert resolve(chosen[:2], [False, False]) == ({"diplomacy"}, ["intel_sharing"])


def test_annotations_round_trip_through_label_studio(tmp_path):
    tasks_file = tmp_path / "tasks.json"
    result = run_cli("export", "labels/seeds.jsonl", "--output", tasks_file)
    assert result.exit_code == 0, result.output
    tasks = json.loads(tasks_file.read_text(encoding="utf-8"))
    # What Label Studio exports once annotators accept every pre-annotation as it is.
    for task_id, task in enumerate(tasks, 1):
        task["id"] = task_id
        task["annotations"] = [
            {**studio_annotation(task_id, task_id), "result": task["predictions"][0]["result"]}
        ]
    tasks_file.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    output = tmp_path / "back.jsonl"
    assert (
        run_cli("import", tasks_file, "--from", "label-studio", "--output", output).exit_code == 0
    )
    original = read_jsonl(ROOT / "labels" / "seeds.jsonl")
    back = read_jsonl(output)
    assert [(row["id"], row["text"]) for row in back] == [(r["id"], r["text"]) for r in original]
    assert [set(row["labels"]) for row in back] == [set(row["labels"]) for row in original]
    assert [(row["source"], row["note"]) for row in back] == [
        (row["source"], row["note"]) for row in original
    ]


def test_label_config_offers_every_theme_with_its_id_as_alias(tmp_path):
    tasks_file = tmp_path / "tasks.json"
    assert run_cli("export", "labels/seeds.jsonl", "--output", tasks_file).exit_code == 0
    view = ET.parse(tmp_path / "tasks.label-config.xml").getroot()
    text, choices = view.find("Text"), view.find("Choices")
    assert text.attrib == {"name": "text", "value": "$text"}
    assert choices.get("toName") == "text" and choices.get("choice") == "multiple"
    assert [(c.get("value"), c.get("alias")) for c in choices] == [
        ("Ancaman rudal", "missile_threat"),
        ("Berbagi intelijen", "intel_sharing"),
        ("Diplomasi", "diplomacy"),
        ("Keamanan ekonomi", "economic_security"),
    ]
    assert all(c.get("hint") for c in choices)
    result = json.loads(tasks_file.read_text(encoding="utf-8"))[0]["predictions"][0]["result"][0]
    assert (result["from_name"], result["to_name"]) == (choices.get("name"), text.get("name"))


def test_export_with_a_model_pre_annotates_its_predictions(trained_model, tmp_path):
    tasks_file = tmp_path / "tasks.json"
    config = tmp_path / "config" / "tema.xml"
    result = run_cli(
        "export", "--model", trained_model, "seeds/", "--output", tasks_file, "--config", config
    )
    assert result.exit_code == 0, result.output
    assert config.is_file() and not (tmp_path / "tasks.label-config.xml").exists()
    tasks = json.loads(tasks_file.read_text(encoding="utf-8"))
    classified = run_cli("classify", "--model", trained_model, "--json", "seeds/")
    expected = {row["id"]: row["labels"] for row in map(json.loads, classified.stdout.splitlines())}
    assert [task["data"]["article_id"] for task in tasks] == [f"seeds/{s.name}" for s in SEEDS]
    for task in tasks:
        (prediction,) = task["predictions"]
        assert prediction["model_version"] == trained_model.name
        assert 0 <= prediction["score"] <= 1
        chosen = [c for r in prediction["result"] for c in r["value"]["choices"]]
        assert chosen == expected[task["data"]["article_id"]]


def test_export_with_unreadable_articles_names_them(trained_model, tmp_path):
    tasks_file = tmp_path / "tasks.json"
    result = run_cli(
        "export", "--model", trained_model, SEEDS[0], tmp_path / "gone.txt", "--output", tasks_file
    )
    assert result.exit_code == 2
    assert f"{tmp_path / 'gone.txt'}: no such file or folder" in result.stderr
    assert len(json.loads(tasks_file.read_text(encoding="utf-8"))) == 1


def test_export_writes_nothing_unless_it_can_write_everything(tmp_path):
    tasks_file = tmp_path / "tasks.json"
    config = tmp_path / "tasks.label-config.xml"
    folder = run_cli("export", "labels/seeds.jsonl", "--output", tasks_file, "--config", tmp_path)
    assert folder.exit_code == 2 and folder.output.count("\n") == 1, folder.output
    assert f"{tmp_path}: a folder; name a file to write" in folder.output
    assert list(tmp_path.iterdir()) == []

    assert run_cli("export", "labels/seeds.jsonl", "--output", tasks_file).exit_code == 0
    tasks_file.write_text("[]\n", encoding="utf-8")
    config.write_text("<View/>\n", encoding="utf-8")
    refused = run_cli("export", "labels/seeds.jsonl", "--output", tasks_file)
    assert refused.exit_code == 2 and f"{tasks_file}: already exists; pass --overwrite" in (
        refused.output
    )
    tasks_file.unlink()
    refused = run_cli("export", "labels/seeds.jsonl", "--output", tasks_file)
    assert refused.exit_code == 2 and f"{config}: already exists" in refused.output
    assert not tasks_file.exists() and config.read_text(encoding="utf-8") == "<View/>\n"
    replaced = run_cli("export", "labels/seeds.jsonl", "--output", tasks_file, "--overwrite")
    assert replaced.exit_code == 0, replaced.output
    assert len(json.loads(tasks_file.read_text(encoding="utf-8"))) == 5
    assert "<Choices" in config.read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([config.name, tasks_file.name])


def _import(export, *flags):
    output = export.with_name("imported.jsonl")
    return run_cli("import", export, "--from", "label-studio", "--output", output, *flags), output


def test_tasks_annotated_without_a_themes_control_are_reported_and_nothing_written(tmp_path):
    taxonomy = studio_result("taxonomy", {"taxonomy": [["Politik", "Luar negeri"]]}, "taxonomy")
    span = studio_result(
        "labels", {"start": 0, "end": 7, "text": "Menteri", "labels": ["TOKOH"]}, "entitas"
    )
    box = studio_result(
        "rectanglelabels",
        {
            "x": 12.5,
            "y": 30.0,
            "width": 40.0,
            "height": 22.5,
            "rotation": 0,
            "rectanglelabels": ["Rudal"],
        },
        "kotak",
        to_name="foto",
        original_width=1024,
        original_height=768,
        image_rotation=0,
    )
    export = tmp_path / "project.json"
    label_studio_export(
        export,
        studio_task(109, studio_annotation(20, 109, result=[taxonomy])),
        studio_task(110, studio_annotation(21, 110, result=[span]), text=TEXTS[105]),
        studio_task(
            111,
            studio_annotation(22, 111, result=[box]),
            text=TEXTS[101],
            data={"foto": "/data/upload/7/rudal.jpg"},
        ),
    )
    result, output = _import(export)
    assert result.exit_code == 2 and not output.exists()
    for task_id, found in [
        (109, "taxonomy from 'taxonomy'"),
        (110, "labels from 'entitas'"),
        (111, "rectanglelabels from 'kotak'"),
    ]:
        assert (
            f"{export}: task {task_id}: annotation {task_id - 89} has no theme chosen with a "
            f"Choices control, only {found}"
        ) in result.stderr
    assert "error: 3 problem(s)" in result.stderr


def test_themes_come_from_their_control_and_other_controls_are_ignored(tmp_path):
    quality = studio_choices("ok", control="kualitas")
    export = tmp_path / "project.json"
    label_studio_export(
        export,
        studio_task(
            109,
            studio_annotation(20, 109, result=[studio_choices("diplomacy"), quality]),
        ),
        studio_task(110, studio_annotation(21, 110, result=[quality]), text=TEXTS[105]),
    )
    result, output = _import(export)
    assert result.exit_code == 0, result.output
    assert f"{export}: themes read from the Choices control 'themes'" in result.stderr
    rows = {row["id"]: row["labels"] for row in read_jsonl(output)}
    assert rows["label-studio-109"] == ["diplomacy"] and rows["label-studio-110"] == []


def test_two_controls_naming_themes_need_control_to_choose(tmp_path):
    export = tmp_path / "project.json"
    label_studio_export(
        export,
        studio_task(
            109,
            studio_annotation(
                20,
                109,
                result=[studio_choices("diplomacy"), studio_choices("Diplomasi", control="utama")],
            ),
        ),
    )
    ambiguous, output = _import(export)
    assert ambiguous.exit_code == 2 and ambiguous.output.count("\n") == 1
    assert "the Choices controls 'themes', 'utama' all name themes; pass --control NAME" in (
        ambiguous.output
    )
    chosen, output = _import(export, "--control", "utama")
    assert chosen.exit_code == 0, chosen.output
    assert "themes read from the Choices control 'utama'" in chosen.stderr
    missing, _ = _import(export, "--control", "tema", "--overwrite")
    assert missing.exit_code == 2
    assert "no choice made with a control named 'tema' (Choices controls in this export: " in (
        missing.output
    )


def test_rejected_annotations_and_drafts_are_left_out_and_listed(tmp_path):
    rejected = {"reviews": [{"id": 3, "created_by": 2, "accepted": False}]}
    accepted = {"reviews": [{"id": 4, "created_by": 2, "accepted": True}]}
    draft = {"id": 9, "user": "ana@example.org", "result": [studio_choices("diplomacy")]}
    export = tmp_path / "project.json"
    label_studio_export(
        export,
        studio_task(
            109,
            studio_annotation(20, 109, "missile_threat", **rejected),
            studio_annotation(21, 109, "diplomacy", **accepted),
        ),
        studio_task(110, studio_annotation(22, 110, "diplomacy", **rejected), text=TEXTS[105]),
        studio_task(111, text=TEXTS[106], drafts=[draft]),
    )
    result, output = _import(export)
    assert result.exit_code == 0, result.output
    rows = {row["id"]: row["labels"] for row in read_jsonl(output)}
    assert rows["label-studio-109"] == ["diplomacy"]
    assert "label-studio-110" not in rows and "label-studio-111" not in rows
    assert f"{export}: task 109: annotation 20 rejected by a reviewer, left out" in result.stderr
    assert f"{export}: task 110: skipped (every annotation was skipped or rejected)" in (
        result.stderr
    )
    assert f"{export}: task 111: skipped (only a draft, never submitted)" in result.stderr


def test_imported_files_load_together_through_datasets(tmp_path):
    labels = labels_folder(tmp_path)
    export = tmp_path / "project.json"
    label_studio_export(
        export,
        studio_task(
            109,
            studio_annotation(20, 109, "diplomacy"),
            data={"url": "https://contoh.id/berita/109", "judul": "Peretasan"},
        ),
    )
    result = run_cli(
        "import", export, "--from", "label-studio", "--output", labels / "imported.jsonl"
    )
    assert result.exit_code == 0, result.output
    assert "fields dropped (articles that had them): judul (1)" in result.stderr
    rows = {row["id"]: row for row in read_jsonl(labels / "imported.jsonl")}
    assert rows["label-studio-109"]["source"] == "https://contoh.id/berita/109"
    assert run_cli("validate", labels).exit_code == 0
    loaded = load_together(labels)
    assert loaded.num_rows == 5 + 6 and loaded.column_names == [
        "id",
        "text",
        "labels",
        "source",
        "note",
    ]
