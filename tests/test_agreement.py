import json

import pytest
from conftest import run_cli
from tool_exports import TEXTS, doccano_line, label_studio_export, prodigy_manual

from tematik.agreement import Judgement, measure
from tematik.errors import TematikError

THEMES = ["missile_threat", "intel_sharing", "diplomacy", "economic_security"]


def judged(annotator: str, marks: str, theme: str = "diplomacy") -> list[Judgement]:
    """One judgement per article: `marks` is y (theme carried), n (not) or - (not labelled)."""
    return [
        Judgement(f"a{i}", annotator, frozenset({theme} if mark == "y" else ()))
        for i, mark in enumerate(marks)
        if mark != "-"
    ]


def test_two_annotators_get_cohens_kappa_and_krippendorffs_alpha_as_computed_by_hand():
    # 10 articles: 4 both yes, 4 both no, 2 split. Observed 0.8, expected 0.5: kappa 0.6.
    # Alpha (nominal): 1 - (20 - 1) * 4 / (2 * 10 * 10) = 0.62.
    agreement = measure(judged("ana", "yyyyynnnnn") + judged("budi", "yyyynynnnn"), THEMES)
    diplomacy = next(t for t in agreement.themes if t.theme == "diplomacy")
    assert diplomacy.articles == 10 and diplomacy.raw == pytest.approx(0.8)
    assert diplomacy.cohen_kappa == pytest.approx(0.6)
    assert diplomacy.krippendorff_alpha == pytest.approx(0.62)
    # Nobody marked missile_threat: agreement is total, the chance-corrected figures undefined.
    missile = agreement.themes[0]
    assert (missile.raw, missile.cohen_kappa, missile.krippendorff_alpha) == (1.0, None, None)
    assert agreement.annotators == {"ana": 10, "budi": 10}
    assert [d.article for d in agreement.disagreements] == ["a4", "a5"]
    assert agreement.disagreements[0].split == {"diplomacy": {"yes": ["ana"], "no": ["budi"]}}


def test_three_annotators_with_gaps_get_alpha_and_no_kappa():
    judgements = judged("ana", "yyn-n") + judged("budi", "yn-yn") + judged("citra", "y-nyy")
    agreement = measure(judgements, THEMES)
    diplomacy = agreement.themes[2]
    assert diplomacy.articles == 5 and diplomacy.cohen_kappa is None
    assert diplomacy.raw == pytest.approx(3 / 5)  # a1 and a4 split
    assert -1 <= diplomacy.krippendorff_alpha < 1
    assert agreement.annotators == {"ana": 4, "budi": 4, "citra": 4}


def test_the_most_disputed_articles_come_first():
    first = [
        Judgement("calm", "ana", frozenset({"diplomacy"})),
        Judgement("stormy", "ana", frozenset({"diplomacy", "missile_threat"})),
        Judgement("mild", "ana", frozenset({"diplomacy"})),
    ]
    second = [
        Judgement("calm", "budi", frozenset({"diplomacy"})),
        Judgement("stormy", "budi", frozenset({"intel_sharing"})),
        Judgement("mild", "budi", frozenset()),
    ]
    agreement = measure(first + second, THEMES)
    assert [d.article for d in agreement.disagreements] == ["stormy", "mild"]
    assert list(agreement.disagreements[0].split) == [
        "missile_threat",
        "intel_sharing",
        "diplomacy",
    ]


def test_articles_labelled_once_measure_nothing():
    with pytest.raises(TematikError, match="no article was labelled by two annotators"):
        measure(judged("ana", "yn") + judged("budi", "--yn"), THEMES)


def test_agreement_of_annotation_files_and_a_second_reading(tmp_path):
    first = tmp_path / "first.jsonl"
    second = tmp_path / "second.jsonl"
    first.write_text(
        "".join(
            json.dumps({"id": f"b-{i}", "text": TEXTS[i], "labels": labels}) + "\n"
            for i, labels in [(101, ["diplomacy"]), (104, ["intel_sharing"]), (105, [])]
        ),
        encoding="utf-8",
    )
    second.write_text(
        "".join(
            json.dumps({"id": f"b-{i}", "labels": labels, "note": "second reading"}) + "\n"
            for i, labels in [(101, ["diplomacy", "missile_threat"]), (104, ["intel_sharing"])]
        ),
        encoding="utf-8",
    )
    result = run_cli("agreement", first, second, "--json")
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert printed["annotators"] == {str(first): 3, str(second): 2}
    missile = printed["themes"][0]
    assert (missile["theme"], missile["articles"], missile["raw"]) == ("missile_threat", 2, 0.5)
    assert printed["disagreements"] == [
        {
            "article": "b-101",
            "split": {"missile_threat": {"yes": [str(second)], "no": [str(first)]}},
        }
    ]
    table = run_cli("agreement", first, second)
    assert "Krippendorff" in table.stdout and "b-101" in table.stdout
    tasks_file = tmp_path / "settle.json"
    run_cli("agreement", first, second, "--label-studio", tasks_file)
    (task,) = json.loads(tasks_file.read_text(encoding="utf-8"))
    assert task["data"] == {"text": TEXTS[101], "article_id": "b-101"}
    assert [p["model_version"] for p in task["predictions"]] == [str(first), str(second)]


def test_bad_rows_are_named_with_file_and_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "labels": ["sport"]}\n{"labels": []}\nnot json\n', encoding="utf-8")
    result = run_cli("agreement", bad, bad)
    assert result.exit_code == 2
    for line, message in [(1, "unknown label 'sport'"), (2, 'needs an "id"'), (3, "invalid JSON")]:
        assert f"{bad}:{line}: {message}" in result.output
    assert "Traceback" not in result.output


def test_agreement_of_label_studio_annotators(tmp_path):
    export = label_studio_export(tmp_path / "export.json")
    result = run_cli("agreement", export, "--from", "label-studio", "--json")
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert printed["annotators"] == {"user 1": 3, "user 2": 5, "user 3": 3}
    intel = printed["themes"][1]
    assert intel["articles"] == 3 and intel["raw"] == pytest.approx(2 / 3)  # 104, 105, 106
    assert intel["cohen_kappa"] is None and intel["krippendorff_alpha"] is not None
    assert [d["article"] for d in printed["disagreements"]] == [
        "label-studio-104", "label-studio-106", "label-studio-105"
    ]  # fmt: skip


def test_agreement_of_prodigy_sessions_and_doccano_exports(tmp_path):
    dataset = tmp_path / "dataset.jsonl"
    dataset.write_text(
        "\n".join(
            [
                prodigy_manual(11, TEXTS[101], ["DIPLOMACY", "MISSILE_THREAT"], annotator="ana"),
                prodigy_manual(11, TEXTS[101], ["DIPLOMACY"], annotator="budi"),
                prodigy_manual(12, TEXTS[106], ["ECONOMIC_SECURITY"], annotator="ana"),
                prodigy_manual(12, TEXTS[106], ["ECONOMIC_SECURITY"], annotator="budi"),
            ]
        ),
        encoding="utf-8",
    )
    result = run_cli("agreement", dataset, "--from", "prodigy", "--json")
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert printed["annotators"] == {"tema-ana": 2, "tema-budi": 2}
    assert printed["themes"][0]["raw"] == 0.5 and printed["themes"][3]["raw"] == 1.0
    first, second = tmp_path / "ana.jsonl", tmp_path / "budi.jsonl"
    first.write_text(doccano_line(1, TEXTS[104], ["intel_sharing"]), encoding="utf-8")
    second.write_text(doccano_line(1, TEXTS[104], ["intel_sharing", "Diplomasi"]), encoding="utf-8")
    result = run_cli("agreement", first, second, "--from", "doccano", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["disagreements"][0]["split"] == {
        "diplomacy": {"yes": [str(second)], "no": [str(first)]}
    }
