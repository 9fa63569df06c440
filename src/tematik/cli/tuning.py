"""`tematik tune-thresholds` and `learning-curve`: fitting a model to a team's own annotations,
and measuring whether more of them would help."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from tematik import console
from tematik.cli.common import ModelOption, app, json_option, load_classifier, user_errors
from tematik.errors import TematikError
from tematik.schema import DEFAULT_SCHEMA_PATH
from tematik.thresholds import METRICS, MIN_POSITIVES


@app.command("tune-thresholds")
@user_errors
def tune_thresholds(
    data: Annotated[list[str], typer.Option(help="Annotation files to tune on (repeatable).")],
    model: ModelOption = None,
    metric: Annotated[
        str, typer.Option(help=f"What to tune for: {', '.join(METRICS)}.")
    ] = "macro-f1",
    target: Annotated[
        float | None,
        typer.Option(
            help="The recall (precision-at-recall) or precision (recall-at-precision) to hold.",
            show_default=False,
        ),
    ] = None,
    min_positives: Annotated[
        int,
        typer.Option(min=1, help="Annotated articles a theme needs before its threshold moves."),
    ] = MIN_POSITIVES,
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
    from tematik.thresholds import ThresholdRule, retune, retuned_settings, write_retuned

    rule = ThresholdRule(metric, target, min_positives)
    classifier = load_classifier(model)
    output = _destination(classifier.path, output, overwrite)
    records = load_evaluation_data(classifier, data, schema)
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
    if output.exists() and not (output / "tematik.json").is_file():
        raise TematikError(f"{output}: exists and is not a model directory; choose another")
    return output
