"""The model card (`README.md`) of a trained model directory, rendered from a template."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from string import Template

import yaml
from huggingface_hub import EvalResult, ModelCardData

from tematik.base_model import LICENSES, describe_base, hub_id
from tematik.markdown import metrics_table, table
from tematik.metrics import f1_summary
from tematik.model_settings import ModelSettings, TrainingRecord

TEMPLATE = Path(__file__).with_name("model_card_template.md")


SMALL_VALIDATION = 30


def write_model_card(folder: Path, settings: ModelSettings, path: Path) -> Path:
    """Write the card as `folder/README.md` for a model that will be published at `path`."""
    card = folder / "README.md"
    card.write_text(render_model_card(path, settings), encoding="utf-8")
    return card


def render_model_card(path: Path, settings: ModelSettings) -> str:
    """The card of a model trained by `tematik train` (its settings hold the training record)."""
    training = settings.training
    if training is None:
        raise ValueError("a model card needs the record of the training run")
    recipe, metrics = training.recipe, training.validation_metrics
    themes = {theme["id"]: theme for theme in settings.schema["themes"]}
    metadata = _metadata(path.name, recipe.base_model, training.files, metrics)
    return Template(TEMPLATE.read_text(encoding="utf-8")).substitute(
        metadata=metadata.to_yaml(),
        name=path.name,
        path=path.as_posix(),
        base_model=describe_base(recipe.base_model),
        license=metadata.license,
        themes_table=table(
            ["id", "name", "description"],
            [[t, themes[t]["name"], themes[t]["description"]] for t in settings.labels],
        ),
        max_length=settings.windows.max_length,
        stride=settings.windows.stride,
        pooling=settings.windows.pooling,
        thresholds_origin=_thresholds_origin(settings),
        metrics_table=metrics_table(metrics, _training_thresholds(settings)),
        caveats=_caveats(training),
        files=", ".join(f"`{f}`" for f in training.files),
        data_table=table(
            ["theme", "train articles", "validation articles"],
            [
                [t, training.train.per_theme[t], training.validation.per_theme[t]]
                for t in settings.labels
            ]
            + [["(articles)", training.train.articles, training.validation.articles]],
        ),
        no_theme_train=training.train.no_theme,
        no_theme_validation=training.validation.no_theme,
        seconds=training.seconds,
        recipe=yaml.safe_dump(recipe.to_dict(), sort_keys=False, allow_unicode=True).strip(),
    )


def _thresholds_origin(settings: ModelSettings) -> str:
    """Where the thresholds came from, ending with what the validation table below shows."""
    validation = (
        f"Article level, on {settings.training.validation.articles} held-out articles, with "
        "the thresholds training tuned"
    )
    tuned = settings.thresholds_from
    if tuned is None:
        return (
            "A theme is assigned when its score reaches its threshold, tuned for F1 on the "
            f"validation articles. {validation}:"
        )
    files = ", ".join(f"`{f}`" for f in tuned.files)
    kept = (
        f" {', '.join(tuned.kept)} kept {'its' if len(tuned.kept) == 1 else 'their'} threshold: "
        f"fewer than {tuned.min_positives} articles there carry "
        f"{'it' if len(tuned.kept) == 1 else 'them'}."
        if tuned.kept
        else ""
    )
    out_of_fold = (
        f"\n\nOut of fold ({tuned.folds}-fold cross-validation, each fold decided by thresholds "
        f"tuned on the others): {f1_summary(tuned.out_of_fold)}."
        if tuned.out_of_fold
        else ""
    )
    return (
        "A theme is assigned when its score reaches its threshold. The thresholds were re-tuned "
        f"with `tematik tune-thresholds` for {tuned.rule} on {files} ({tuned.articles} "
        f"articles).{kept} On those articles, with the new thresholds:\n\n"
        f"{metrics_table(tuned.metrics, settings.thresholds)}{out_of_fold}\n\n"
        f"{validation} (before the re-tuning):"
    )


def _training_thresholds(settings: ModelSettings) -> dict[str, float]:
    tuned = settings.thresholds_from
    return tuned.previous if tuned else settings.thresholds


def _metadata(name: str, base_model: str, files: Sequence[str], metrics: dict) -> ModelCardData:
    """The card's front matter: base model and license, data, and the validation F1 scores."""
    base = hub_id(base_model)
    datasets = [Path(file).name for file in files]
    scores = {average: metrics[f"{average}_f1"] for average in ("micro", "macro", "samples")}
    scores |= {theme: values["f1"] for theme, values in metrics["per_label"].items()}
    return ModelCardData(
        model_name=name,
        base_model=base,
        license=LICENSES.get(base or "", "other"),
        language=["id"],
        library_name="transformers",
        pipeline_tag="text-classification",
        tags=["tematik", "multi-label-classification", "indonesian", "news"],
        datasets=datasets,
        metrics=["f1", "precision", "recall"],
        eval_results=[
            EvalResult(
                task_type="text-classification",
                task_name="Multi-label theme classification",
                dataset_type="json",
                dataset_name=", ".join(datasets),
                dataset_split="validation",
                metric_type="f1",
                metric_name=f"F1 ({config})",
                metric_config=config,
                metric_value=value,
            )
            for config, value in scores.items()
        ],
    )


def useless_model_note(training: TrainingRecord) -> str:
    """Why the model is of no use, when validation says so; empty otherwise."""
    macro, trivial = training.macro_f1, training.all_themes_macro_f1
    if macro > trivial:
        return ""
    return (
        "the model does no better on its validation articles than marking every theme on every "
        f"article (macro-F1 {macro:.3f}, against {trivial:.3f}); do not rely on it: train longer "
        "(--epochs) or with another --learning-rate, or annotate more articles"
    )


def _caveats(training: TrainingRecord) -> str:
    """Plain warnings where the validation figures say little, or say the model is of no use."""
    metrics = training.validation_metrics
    validation_articles = training.validation.articles
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
    if useless := useless_model_note(training):
        notes.append(useless[0].upper() + useless[1:] + ".")
    return "\n\n".join(f"**Note.** {note}" for note in notes)
