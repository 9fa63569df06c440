"""The model card (`README.md`) of a trained model directory, rendered from a template."""

from __future__ import annotations

from pathlib import Path
from string import Template

import yaml

from tematik.classifier import ModelSettings
from tematik.markdown import metrics_table, table

TEMPLATE = Path(__file__).with_name("model_card_template.md")


SMALL_VALIDATION = 30


def write_model_card(folder: Path, settings: ModelSettings, path: Path) -> Path:
    """Write the card as `folder/README.md` for a model that will be published at `path`."""
    card = folder / "README.md"
    card.write_text(render_model_card(path, settings), encoding="utf-8")
    return card


def render_model_card(path: Path, settings: ModelSettings) -> str:
    training = settings.training
    recipe, data, metrics = training["recipe"], training["data"], training["validation_metrics"]
    themes = {theme["id"]: theme for theme in settings.schema["themes"]}
    return Template(TEMPLATE.read_text(encoding="utf-8")).substitute(
        metadata=yaml.safe_dump(_metadata(recipe["base_model"]), sort_keys=False).strip(),
        name=path.name,
        path=path.as_posix(),
        base_model=recipe["base_model"],
        themes_table=table(
            ["id", "name", "description"],
            [[t, themes[t]["name"], themes[t]["description"]] for t in settings.labels],
        ),
        max_length=settings.windows.max_length,
        stride=settings.windows.stride,
        pooling=settings.windows.pooling,
        validation_articles=data["articles"]["validation"],
        metrics_table=metrics_table(metrics, settings.thresholds),
        caveats=_caveats(metrics, data["articles"]["validation"]),
        files=", ".join(f"`{f}`" for f in data["files"]),
        data_table=table(
            ["theme", "train articles", "validation articles"],
            [
                [t, data["per_theme"]["train"][t], data["per_theme"]["validation"][t]]
                for t in settings.labels
            ]
            + [["(articles)", data["articles"]["train"], data["articles"]["validation"]]],
        ),
        no_theme_train=data["no_theme"]["train"],
        no_theme_validation=data["no_theme"]["validation"],
        seconds=training["seconds"],
        recipe=yaml.safe_dump(recipe, sort_keys=False, allow_unicode=True).strip(),
    )


def _metadata(base_model: str) -> dict:
    metadata = {
        "language": ["id"],
        "library_name": "transformers",
        "pipeline_tag": "text-classification",
        "tags": ["tematik", "multi-label-classification", "indonesian", "news"],
    }
    if base_model.count("/") == 1 and not Path(base_model).exists():
        metadata["base_model"] = base_model
    return metadata


def _caveats(metrics: dict, validation_articles: int) -> str:
    """Plain warnings where the validation figures say little."""
    notes = []
    if validation_articles < SMALL_VALIDATION:
        notes.append(
            f"Validation rests on only {validation_articles} article(s): "
            "these figures are very uncertain."
        )
    absent = [t for t, scores in metrics["per_label"].items() if scores["support"] == 0]
    if absent:
        notes.append(
            f"No validation article carries {', '.join(absent)}: their F1 counts as 0 in the "
            "averages and their thresholds stay at 0.5."
        )
    return "\n\n".join(f"**Note.** {note}" for note in notes)
