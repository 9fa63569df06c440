"""Annotation tools' exports in their real structure (as the tools' own test fixtures
have them), filled with short Indonesian news sentences of our own."""

import json
from pathlib import Path

from conftest import ROOT

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


def studio_result(kind, value, from_name, to_name="text", **more):
    """One item of an annotation's result, as Label Studio's JSON export writes it."""
    return {
        "value": value,
        "id": f"{from_name[:4]}-{kind[:4]}-7Qx",
        "from_name": from_name,
        "to_name": to_name,
        "type": kind,
        "origin": "manual",
        **more,
    }


def studio_choices(*choices, control="themes"):
    return studio_result("choices", {"choices": list(choices)}, control)


def studio_annotation(
    annotation_id, task_id, *choices, cancelled=False, ground_truth=False, result=None, **more
):
    """One annotation as Label Studio's JSON export writes it: `choices` of the themes control,
    or the `result` items given."""
    if result is None:
        result = [studio_choices(*choices)] if choices and not cancelled else []
    return {
        "id": annotation_id,
        "completed_by": annotation_id % 3 + 1,
        "result": result,
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
        **more,
    }


def studio_task(task_id, *annotations, text=None, data=(), drafts=()):
    """One task as Label Studio's JSON export writes it; `data`: fields beside the text."""
    cancelled = sum(a["was_cancelled"] for a in annotations)
    return {
        "id": task_id,
        "annotations": list(annotations),
        "file_upload": "8c1f3b2a-berita.json",
        "drafts": list(drafts),
        "predictions": [],
        "data": {"text": TEXTS.get(task_id, "") if text is None else text, **dict(data)},
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


def label_studio_export(path, *extra_tasks):
    tasks = [
        studio_task(101, studio_annotation(1, 101, "diplomacy", "missile_threat")),
        studio_task(102, studio_annotation(2, 102, cancelled=True)),
        studio_task(103),
        studio_task(
            104,
            studio_annotation(3, 104, "intel_sharing", "diplomacy"),
            studio_annotation(4, 104, "intel_sharing", "diplomacy"),
            studio_annotation(5, 104, "intel_sharing", "missile_threat"),
            studio_annotation(6, 104, cancelled=True),  # counted, diplomacy would tie at 2 of 4
        ),
        studio_task(
            105,
            studio_annotation(7, 105, "diplomacy"),
            studio_annotation(8, 105, "diplomacy", "intel_sharing"),
        ),
        studio_task(
            106,
            studio_annotation(9, 106, "missile_threat"),
            studio_annotation(10, 106, "missile_threat"),
            studio_annotation(11, 106, "economic_security", ground_truth=True),
        ),
        studio_task(107, studio_annotation(12, 107, "Diplomasi", "keamanan ekonomi")),
        studio_task(108, studio_annotation(13, 108)),  # submitted with no theme chosen
        *extra_tasks,
    ]
    path.write_text(json.dumps(tasks, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def doccano_line(example_id, text, labels, key="label"):
    return json.dumps({"id": example_id, "text": text, key: labels, "Comments": []})


def prodigy_manual(input_hash, text, accepted, answer="accept", annotator="ana"):
    """A `textcat.manual` answer with every theme as an option, as `prodigy db-out` writes it."""
    options = ["MISSILE_THREAT", "INTEL_SHARING", "DIPLOMACY", "ECONOMIC_SECURITY"]
    return json.dumps(
        {
            "text": text,
            "_input_hash": input_hash,
            "_task_hash": input_hash * 7 % 100003,
            "options": [{"id": option, "text": option} for option in options],
            "_view_id": "choice",
            "config": {"choice_style": "multiple"},
            "accept": accepted,
            "answer": answer,
            "_timestamp": 1733560000,
            "_annotator_id": f"tema-{annotator}",
            "_session_id": f"tema-{annotator}",
        }
    )


def prodigy_teach(input_hash, text, label, answer, score=0.5):
    """A binary `textcat.teach` answer, as `prodigy db-out` writes it."""
    return json.dumps(
        {
            "text": text,
            "label": label,
            "meta": {"score": score},
            "_input_hash": input_hash,
            "_task_hash": (input_hash + len(label)) * 7 % 100003,
            "score": score,
            "priority": score,
            "spans": [],
            "_view_id": "classification",
            "answer": answer,
            "_timestamp": 1733560000,
            "_annotator_id": "tema-ana",
            "_session_id": "tema-ana",
        }
    )


def labels_folder(tmp_path: Path) -> Path:
    """A labels/ folder holding a copy of the project's seed annotations."""
    labels = tmp_path / "labels"
    labels.mkdir()
    (labels / "seeds.jsonl").write_bytes((ROOT / "labels" / "seeds.jsonl").read_bytes())
    return labels


def load_together(labels: Path):
    """The folder's annotation files as `datasets.load_dataset("json", ...)` loads them."""
    import datasets

    cache = labels.parent / "datasets-cache"
    return datasets.load_dataset(
        "json", data_files=str(labels / "*.jsonl"), split="train", cache_dir=str(cache)
    )
