"""`tematik tune-thresholds` and `learning-curve`: fitting a model to a team's own annotations,
and measuring whether more of them would help."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from tematik import console
from tematik.cli.common import (
    ModelOption,
    RecipeArgument,
    RecipeSettingsOption,
    app,
    json_option,
    load_classifier,
    overwrite_option,
    quiet_transformers,
    user_errors,
)
from tematik.errors import TematikError
from tematik.schema import DEFAULT_SCHEMA_PATH


class Metric(StrEnum):
    """What `tune-thresholds` tunes for (`tematik.thresholds.METRICS`, named here so that the
    command line's start-up imports no numpy)."""

    macro_f1 = "macro-f1"
    micro_f1 = "micro-f1"
    precision_at_recall = "precision-at-recall"
    recall_at_precision = "recall-at-precision"


@app.command("tune-thresholds")
@user_errors
def tune_thresholds(
    data: Annotated[list[str], typer.Option(help="Annotation files to tune on (repeatable).")],
    model: ModelOption = None,
    metric: Annotated[Metric, typer.Option(help="What to tune for.")] = Metric.macro_f1,
    target: Annotated[
        float | None,
        typer.Option(
            help="The recall (precision-at-recall) or precision (recall-at-precision) to hold.",
            show_default=False,
        ),
    ] = None,
    min_positives: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Annotated articles a theme needs before its threshold moves (default: 5).",
            show_default=False,
        ),
    ] = None,
    cv: Annotated[
        int | None,
        typer.Option(
            "--cv",
            metavar="K",
            help="Also report the out-of-fold figures of K-fold cross-validation.",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(help="Write the model with its new thresholds here.", show_default=False),
    ] = None,
    overwrite: Annotated[
        bool,
        typer.Option(
            "--overwrite",
            help="Without --output: change the model's thresholds in place. With it: replace "
            "an existing directory.",
        ),
    ] = False,
    as_json: Annotated[bool, json_option("Print one JSON object.")] = False,
    schema: Annotated[
        Path, typer.Option(help="Label schema of the data (default: the model's own).")
    ] = DEFAULT_SCHEMA_PATH,
) -> None:
    """Tune each theme's threshold on your own annotated articles and write the model with them.

    Scores the articles once, picks each theme's threshold for --metric (a theme with fewer than
    --min-positives annotated articles keeps its threshold), prints the figures before and
    after, and writes the model: a new directory with --output, or in place with --overwrite,
    whole or not at all. tematik.json and the model card record which data the thresholds came
    from. With --cv K the figures of K-fold cross-validation (each fold decided by thresholds
    tuned on the others) say what to expect on articles the tuning did not see.
    """
    from tematik.evaluation import evaluate, load_evaluation_data
    from tematik.thresholds import (
        ThresholdRule,
        check_folds,
        retune,
        retuned_settings,
        write_retuned,
    )

    rule = ThresholdRule(
        metric.value, target, **({"min_positives": min_positives} if min_positives else {})
    )
    classifier = load_classifier(model)
    output = _destination(classifier.path, output, overwrite)
    records = load_evaluation_data(classifier, data, schema)
    if cv is not None:
        check_folds(cv, len(records))
    with console.progress(len(records)) as advance:
        evaluation = evaluate(classifier, records, progress=advance)
    retuning = retune(evaluation, rule, cv)
    written = write_retuned(
        classifier.path, retuned_settings(classifier.settings, retuning, data), output
    )
    if as_json:
        typer.echo(json.dumps(console.retuning_dict(retuning) | {"model": str(written)}, indent=2))
    else:
        console.print_retuning(retuning)
    typer.echo(f"wrote the thresholds into {written}", err=True)


def _destination(model: Path, output: Path | None, overwrite: bool) -> Path | None:
    """Where the retuned model goes: None for in place; refused before any work if unwritable."""
    if output is None or output.resolve() == model.resolve():
        if not overwrite:
            raise TematikError(
                f"{model}: pass --output DIR for a new model with the new thresholds, or "
                "--overwrite to change this model's thresholds in place"
            )
        return None
    if output.exists() and not overwrite:
        raise TematikError(f"{output}: already exists; pass --overwrite to replace it")
    from tematik.model_settings import SETTINGS_FILE

    if output.exists() and not (output / SETTINGS_FILE).is_file():
        raise TematikError(f"{output}: exists and is not a model directory; choose another")
    return output


@app.command("learning-curve")
@user_errors
def learning_curve(
    recipe: RecipeArgument = None,
    fractions: Annotated[
        str, typer.Option(help="Shares of the annotations to train on, comma-separated.")
    ] = "0.25,0.5,0.75,1",
    seeds: Annotated[int, typer.Option(min=1, help="Runs per fraction (seeds 1, 2, …).")] = 3,
    data: Annotated[
        list[str] | None, typer.Option(help="Annotation files (default: the recipe's).")
    ] = None,
    evaluation: Annotated[
        list[str] | None,
        typer.Option(
            "--eval",
            help="Annotated articles to score every run on (default: a held-out stratified "
            "fifth of the annotations).",
            show_default=False,
        ),
    ] = None,
    workers: Annotated[
        int, typer.Option(min=1, help="Runs at a time, in processes (one GPU each, if several).")
    ] = 1,
    settings: RecipeSettingsOption = None,
    plot: Annotated[Path, typer.Option(help="The PNG plot to write.")] = Path("learning-curve.png"),
    overwrite: Annotated[bool, overwrite_option("the plot")] = False,
    as_json: Annotated[bool, json_option("Print one JSON object.")] = False,
) -> None:
    """Does labelling more articles still help? Train a recipe on growing shares of the
    annotations and score each run on the same held-out articles.

    The shares are nested and stratified by label set: each contains the smaller ones. Every
    share trains with --seeds seeds; the table gives each share's macro-F1, mean and spread, the
    plot shows them, and a one-line verdict says what the last share added against the spread.
    """
    from tematik.files import check_destinations
    from tematik.learning_curve import curve_figure
    from tematik.learning_curve import learning_curve as measure_curve
    from tematik.recipe import load_recipe

    check_destinations([plot], overwrite)
    chosen = load_recipe(recipe, settings or [])
    if data:
        chosen = chosen.with_overrides(data=data)
    shares = _fractions(fractions)
    quiet_transformers()
    with console.progress(len(shares) * seeds) as advance:
        curve = measure_curve(chosen, shares, seeds, evaluation or [], workers, advance)
    curve_figure(curve).savefig(plot)
    if as_json:
        typer.echo(json.dumps(curve.to_dict(), indent=2))
    else:
        console.print_learning_curve(curve)
    typer.echo(f"wrote the plot {plot}", err=True)


def _fractions(text: str) -> list[float]:
    try:
        return [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise TematikError(
            f"--fractions takes shares separated by commas, e.g. 0.25,0.5,0.75,1, not {text!r}"
        ) from None
