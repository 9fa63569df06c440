"""`tematik train`: a recipe, its overrides, and a complete model directory or nothing."""

from __future__ import annotations

import signal
from typing import Annotated

import typer

from tematik import console
from tematik.cli.common import (
    RecipeArgument,
    RecipeSettingsOption,
    app,
    overwrite_option,
    quiet_transformers,
    user_errors,
)


@app.command()
@user_errors
def train(
    recipe: RecipeArgument = None,
    data: Annotated[list[str] | None, typer.Option(help="Annotation files (repeatable).")] = None,
    base_model: Annotated[
        str | None, typer.Option(help="Hub id, local path or pkg:MODULE.")
    ] = None,
    output: Annotated[str | None, typer.Option(help="Model directory to write.")] = None,
    epochs: Annotated[float | None, typer.Option(help="Maximum epochs.")] = None,
    learning_rate: Annotated[
        float | None, typer.Option(help="Peak learning rate, reached after warm-up.")
    ] = None,
    batch_size: Annotated[int | None, typer.Option(help="Articles per step.")] = None,
    max_length: Annotated[int | None, typer.Option(help="Tokens per window.")] = None,
    stride: Annotated[
        int | None, typer.Option(help="Tokens shared by consecutive windows.")
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            help="Seed of the split, the new head and the data order (same seed, same model)."
        ),
    ] = None,
    settings: RecipeSettingsOption = None,
    overwrite: Annotated[bool, overwrite_option("the model directory")] = False,
    resume: Annotated[
        bool,
        typer.Option("--resume", help="Continue an interrupted run from its last checkpoint."),
    ] = False,
) -> None:
    """Fine-tune a base model on annotation files; write a complete model directory or nothing.

    --set and the flags override the recipe. Stops early when validation macro-F1 stops
    improving, then tunes one threshold per theme on the validation articles.
    """
    from tematik.recipe import load_recipe

    chosen = load_recipe(recipe, settings or ()).with_overrides(
        data=data,
        base_model=base_model,
        output=output,
        epochs=epochs,
        learning_rate=learning_rate,
        batch_size=batch_size,
        max_length=max_length,
        stride=stride,
        seed=seed,
    )
    typer.echo(
        f"training {chosen.base_model} on {', '.join(chosen.data)} → {chosen.output}", err=True
    )
    from tematik.trainer import interruption_note, stop_on_signal
    from tematik.trainer import train as run_training

    quiet_transformers()
    for stop in (signal.SIGINT, signal.SIGTERM):  # SIGTERM: a scheduler stopping the job
        signal.signal(stop, stop_on_signal)
    try:
        with console.warnings_on_one_line():
            result = run_training(chosen, overwrite=overwrite, resume=resume)
    except KeyboardInterrupt:
        typer.echo(interruption_note(chosen.output), err=True)
        raise typer.Exit(130) from None
    if result.published:
        typer.echo(
            f"wrote {result.path} in {result.seconds:.0f} s; validation macro-F1 "
            f"{result.metrics['macro_f1']:.3f}, micro-F1 {result.metrics['micro_f1']:.3f}"
        )
