import json
import xml.etree.ElementTree as ET
import zipfile

from conftest import ROOT, SEEDS, run_cli

from tematik.exchange import resolve

TEXTS = {
    101: "Menteri luar negeri Jepang dan Korea Selatan bertemu membahas peluncuran rudal Korut.",
    102: "Harga cabai di pasar induk naik menjelang Lebaran.",
    103: "Timnas menang 2-0 lewat tendangan rudal di menit akhir.",
    104: "Tokyo dan Seoul kembali berbagi data intelijen militer setelah pertemuan menteri.",
    105: "Presiden menerima kunjungan Perdana Menteri Australia di Istana Bogor.",
    106: "Amerika Serikat memperketat kontrol ekspor cip ke China demi keamanan nasional.",
    107: "ASEAN dan Jepang sepakat mengamankan rantai pasok mineral kritis.",
    108: "Rupiah melemah tipis terhadap dolar AS pada perdagangan Senin.",
    109: "Peretas menyerang situs kementerian pertahanan pada Minggu malam.",
}


def _annotation(annotation_id, task_id, *choices, cancelled=False, ground_truth=False):
    """One annotation as Label Studio's JSON export writes it."""
    result = [
        {
            "value": {"choices": list(choices)},
            "id": f"r{annotation_id}xQ2b",
            "from_name": "themes",
            "to_name": "text",
            "type": "choices",
            "origin": "manual",
        }
    ]
    return {
        "id": annotation_id,
        "completed_by": annotation_id % 3 + 1,
        "result": [] if cancelled or not choices else result,
        "was_cancelled": cancelled,
        "ground_truth": ground_truth,
        "created_at": "2025-03-04T09:12:40.118371Z",
        "updated_at": "2025-03-04T09:12:40.118394Z",
        "draft_created_at": None,
        "lead_time": 37.2,
        "prediction": {},
        "result_count": 0,
        "unique_id": f"5d0c2a0e-8f1b-4c52-9a41-0000000{annotation_id:05d}",
        "import_id": None,
        "last_action": None,
        "bulk_created": False,
        "task": task_id,
        "project": 7,
        "updated_by": annotation_id % 3 + 1,
        "parent_prediction": None,
        "parent_annotation": None,
        "last_created_by": None,
    }


def _task(task_id, *annotations, text=None):
    """One task as Label Studio's JSON export writes it."""
    cancelled = sum(a["was_cancelled"] for a in annotations)
    return {
        "id": task_id,
        "annotations": list(annotations),
        "file_upload": "8c1f3b2a-berita.json",
        "drafts": [],
        "predictions": [],
        "data": {"text": TEXTS.get(task_id, "") if text is None else text},
        "meta": {},
        "created_at": "2025-03-03T14:02:11.512345Z",
        "updated_at": "2025-03-04T09:12:40.201111Z",
        "inner_id": task_id - 100,
        "total_annotations": len(annotations) - cancelled,
        "cancelled_annotations": cancelled,
        "total_predictions": 0,
        "comment_count": 0,
        "unresolved_comment_count": 0,
        "last_comment_updated_at": None,
        "project": 7,
        "updated_by": 1,
        "comment_authors": [],
    }


def _label_studio_export(path, *extra_tasks):
    tasks = [
        _task(101, _annotation(1, 101, "diplomacy", "missile_threat")),
        _task(102, _annotation(2, 102, cancelled=True)),
        _task(103),
        _task(
            104,
            _annotation(3, 104, "intel_sharing", "diplomacy"),
            _annotation(4, 104, "intel_sharing", "diplomacy"),
            _annotation(5, 104, "intel_sharing", "missile_threat"),
            _annotation(6, 104, cancelled=True),  # counted, diplomacy would tie at 2 of 4
        ),
        _task(
            105, _annotation(7, 105, "diplomacy"), _annotation(8, 105, "diplomacy", "intel_sharing")
        ),
        _task(
            106,
            _annotation(9, 106, "missile_threat"),
            _annotation(10, 106, "missile_threat"),
            _annotation(11, 106, "economic_security", ground_truth=True),
        ),
        _task(107, _annotation(12, 107, "Diplomasi", "keamanan ekonomi")),
        _task(108, _annotation(13, 108)),  # submitted with no theme chosen
        *extra_tasks,
    ]
    path.write_text(json.dumps(tasks, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def _read_jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_label_studio_export_is_imported_by_the_annotators_rule(tmp_path):
    export = _label_studio_export(tmp_path / "project-7-at-2025-03-04.json")
    output = tmp_path / "imported.jsonl"
    result = run_cli("import", export, "--from", "label-studio", "--output", output)
    assert result.exit_code == 0, result.output
    rows = {row["id"]: row for row in _read_jsonl(output)}
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
    export = _label_studio_export(
        tmp_path / "export.json",
        _task(109, _annotation(14, 109, "diplomacy"), _annotation(15, 109, "Siber")),
        _task(110, _annotation(16, 110, "diplomacy"), text=""),
    )
    output = tmp_path / "imported.jsonl"
    result = run_cli("import", export, "--from", "label-studio", "--output", output)
    assert result.exit_code == 2
    assert not output.exists()
    assert f"{export}: task 109: unknown choice 'Siber' in annotation 15" in result.stderr
    assert "known: missile_threat (Ancaman rudal)" in result.stderr
    assert f"{export}: task 110: no text in data.text" in result.stderr
    assert result.stderr.splitlines()[-1] == (
        f"error: 2 problem(s) in {export} (listed above); nothing written"
    )
    assert "Traceback" not in result.output


def test_import_never_replaces_an_annotation_file_unasked(tmp_path):
    export = _label_studio_export(tmp_path / "export.json")
    output = tmp_path / "imported.jsonl"
    output.write_text("precious\n", encoding="utf-8")
    refused = run_cli("import", export, "--from", "label-studio", "--output", output)
    assert refused.exit_code == 2 and "already exists" in refused.stderr
    assert output.read_text(encoding="utf-8") == "precious\n"
    replaced = run_cli(
        "import", export, "--from", "label-studio", "--output", output, "--overwrite"
    )
    assert replaced.exit_code == 0 and len(_read_jsonl(output)) == 5


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
    latin.write_bytes(_doccano_line(1, "Kerja sama", []).encode() + b"\n" + "café".encode("cp1252"))
    output = tmp_path / "o.jsonl"
    for export, tool, message in [
        (zipped, "label-studio", f"{zipped}:0: a zip archive; unzip it"),
        (latin, "doccano", f"{latin}:2: not UTF-8 text; save the file as UTF-8"),
    ]:
        result = run_cli("import", export, "--from", tool, "--output", output)
        assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
        assert message in result.output and not output.exists()


def _doccano_line(example_id, text, labels, key="label"):
    return json.dumps({"id": example_id, "text": text, key: labels, "Comments": []})


def test_doccano_export_is_imported(tmp_path):
    export = tmp_path / "admin.jsonl"
    export.write_text(
        "\n".join(
            [
                _doccano_line(1, TEXTS[101], ["diplomacy", "missile_threat"]),
                _doccano_line(2, TEXTS[104], ["Berbagi intelijen", "DIPLOMASI"]),
                _doccano_line(3, TEXTS[106], ["economic_security"], key="labels"),
                _doccano_line(4, TEXTS[108], []),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    output = tmp_path / "imported.jsonl"
    result = run_cli("import", export, "--from", "doccano", "--output", output)
    assert result.exit_code == 0, result.output
    assert [(row["id"], row["labels"], row["source"]) for row in _read_jsonl(output)] == [
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
                _doccano_line(1, TEXTS[101], ["diplomacy"]),
                _doccano_line(2, TEXTS[102], ["Ekonomi"]),
                _doccano_line(3, TEXTS[103], [[0, 6, "diplomacy"]]),
            ]
        ),
        encoding="utf-8",
    )
    output = tmp_path / "imported.jsonl"
    result = run_cli("import", export, "--from", "doccano", "--output", output)
    assert result.exit_code == 2 and not output.exists()
    assert f"{export}:2: unknown label 'Ekonomi'" in result.stderr
    assert f'{export}:3: "label" must be a list of category names' in result.stderr


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
            {**_annotation(task_id, task_id), "result": task["predictions"][0]["result"]}
        ]
    tasks_file.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    output = tmp_path / "back.jsonl"
    assert (
        run_cli("import", tasks_file, "--from", "label-studio", "--output", output).exit_code == 0
    )
    original = _read_jsonl(ROOT / "labels" / "seeds.jsonl")
    back = _read_jsonl(output)
    assert [(row["id"], row["text"]) for row in back] == [(r["id"], r["text"]) for r in original]
    assert [set(row["labels"]) for row in back] == [set(row["labels"]) for row in original]
    assert all(row["source"].startswith("label-studio task ") for row in back)


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


def test_an_export_of_another_kind_is_one_line_naming_the_import_to_use(tmp_path):
    studio = _label_studio_export(tmp_path / "project.json")
    minimal = tmp_path / "project-min.json"
    rows = [{"id": i, "text": TEXTS[i], "themes": "diplomacy", "annotator": 1} for i in TEXTS]
    minimal.write_text(json.dumps(rows), encoding="utf-8")
    doccano = tmp_path / "admin.jsonl"
    doccano.write_text("\n".join(_doccano_line(i, TEXTS[i], []) for i in TEXTS), encoding="utf-8")
    table = tmp_path / "project.csv"
    table.write_text("id,text,themes\n" + "".join(f'{i},"{TEXTS[i]}",diplomacy\n' for i in TEXTS))
    prose = tmp_path / "notes.txt"
    prose.write_text("\n".join(TEXTS.values()), encoding="utf-8")
    output = tmp_path / "o.jsonl"
    for export, tool, message in [
        (
            studio,
            "doccano",
            "a Label Studio JSON export, not what --from doccano reads; "
            "import it with --from label-studio",
        ),
        (minimal, "doccano", "a Label Studio JSON-MIN export, not what --from doccano reads"),
        (minimal, "label-studio", "(not JSON-MIN) and import that"),
        (
            doccano,
            "label-studio",
            "JSON Lines, one object per line, as doccano exports, not "
            "what --from label-studio reads; import it with --from doccano",
        ),
        (
            table,
            "doccano",
            "a CSV or TSV table, not what --from doccano reads; export the "
            "doccano project as JSONL",
        ),
        (table, "label-studio", "export the project from Label Studio as JSON"),
        (prose, "doccano", "neither JSON nor JSON Lines"),
    ]:
        result = run_cli("import", export, "--from", tool, "--output", output)
        assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
        assert result.output.startswith(f"error: {export}: ") and message in result.output
        assert not output.exists()


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
