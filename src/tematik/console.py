"""What the CLI shows on a terminal: rich tables, progress bars, one-line warnings."""

from __future__ import annotations

import contextlib
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from textwrap import shorten
from typing import TYPE_CHECKING, Any

import typer

from tematik.errors import TematikWarning

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from tematik.agreement import Agreement, Disagreement
    from tematik.inputs import Article
    from tematik.learning_curve import LearningCurve
    from tematik.predictions import Predictions
    from tematik.suggestions import Suggestion
    from tematik.thresholds import Retuning

THEMES_WIDTH, SCORE_WIDTH = 14, 9  # the classify table's narrowest themes, widest score heading
QUOTE_WIDTH = 160  # characters of evidence quoted under a theme in the classify table


def console(stderr: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


@contextlib.contextmanager
def warnings_on_one_line() -> Iterator[None]:
    """Print each TematikWarning as one line `warning: …` on stderr; others as Python does."""

    def show(message: Warning | str, category: type[Warning], *location: Any) -> None:
        if issubclass(category, TematikWarning):
            typer.echo(f"warning: {message}", err=True)
        else:
            python_way(message, category, *location)

    with warnings.catch_warnings():
        python_way = warnings.showwarning
        warnings.showwarning = show
        warnings.simplefilter("always", TematikWarning)
        yield


@contextlib.contextmanager
def progress(total: int | None, shown: bool = True) -> Iterator[Callable[[int], None]]:
    """Articles scored so far, as a bar on stderr while it is a terminal; `total` None: a count.

    Yields the function that adds scored articles. Lines written to stderr meanwhile print above
    the bar.
    """
    if not (shown and sys.stderr.isatty()):
        yield lambda n: None
        return
    from rich.progress import Progress

    columns = [*Progress.get_default_columns(), "{task.completed}/{task.total}"]
    if total is None:
        columns = ["{task.description}: {task.completed}", "{task.elapsed:.0f} s"]
    shown = console(stderr=True)
    with Progress(*columns, console=shown, transient=True, redirect_stdout=False) as bar:
        task = bar.add_task("scoring articles", total=total)
        yield lambda n: bar.advance(task, n)


def print_summary(summary: dict) -> None:
    """Articles per theme and their lengths, as `tematik validate` reports them."""
    from rich.table import Table

    table = Table(title=f"{summary['articles']} articles in {len(summary['files'])} file(s)")
    table.add_column("theme")
    table.add_column("articles", justify="right")
    for theme, count in summary["per_theme"].items():
        table.add_row(theme, str(count))
    table.add_row("(no theme)", str(summary["no_theme"]), style="dim")
    words = summary["words"]
    shown = console()
    shown.print(table)
    shown.print(
        f"length in words: min {words['min']}, median {words['median']:g}, max {words['max']}"
    )


def print_metrics(metrics: dict, articles: int) -> None:
    from rich.table import Table

    from tematik.metrics import f1_summary

    table = Table(title=f"{articles} articles", caption=f1_summary(metrics))
    for column in ("theme", "precision", "recall", "F1", "support"):
        table.add_column(column, justify="left" if column == "theme" else "right")
    for theme, scores in metrics["per_label"].items():
        table.add_row(
            theme,
            *(f"{scores[k]:.3f}" for k in ("precision", "recall", "f1")),
            str(scores["support"]),
        )
    console().print(table)


def print_predictions(articles: Sequence[Article], predictions: Predictions, header: bool) -> None:
    """One row per article: its id, its themes, every theme's score; then, when explained, the
    passage behind each theme."""
    from rich.table import Table

    shown = console()
    labels = predictions.labels
    table = Table(show_header=header, box=None, pad_edge=False)
    # Ids whole on one line while the terminal has room (the themes wrap first), else folded.
    room = shown.width - THEMES_WIDTH - (SCORE_WIDTH + 2) * len(labels) - 2
    longest = max((len(article.id) for article in articles), default=0)
    table.add_column("article", overflow="fold", no_wrap=longest <= room)
    table.add_column("themes", min_width=THEMES_WIDTH, overflow="fold")
    for label in labels:
        table.add_column(label.split("_")[0], justify="right", no_wrap=True)
    for row, article in enumerate(articles):
        table.add_row(
            article.id,
            ", ".join(predictions.themes(row)) or "—",
            *(f"{score:.2f}" for score in predictions.scores[row]),
        )
    shown.print(table)
    if predictions.evidence is not None:
        print_evidence(predictions)


def print_evidence(predictions: Predictions) -> None:
    """One row per theme an article carries: the passage behind it, quoted short, and the score
    the model gives that passage alone."""
    table = _plain_table("evidence")
    table.add_column("article", overflow="fold", max_width=24)
    table.add_column("theme", no_wrap=True)
    table.add_column("alone", justify="right", no_wrap=True)
    table.add_column("passage (characters start–end)", ratio=1)
    for article_id, prediction in zip(predictions.ids, predictions, strict=True):
        for theme, passage in (prediction.evidence or {}).items():
            quote = shorten(passage.text, QUOTE_WIDTH, placeholder=" …")
            table.add_row(
                article_id,
                theme,
                f"{passage.score:.2f}",
                f"“{quote}” ({passage.start}–{passage.end})",
            )
    console().print(table, markup=False)


def suggestion_dict(rank: int, suggestion: Suggestion, predictions: Predictions) -> dict:
    """One ranked article as `suggest --json` prints it."""
    row = suggestion.index
    scores = dict(zip(predictions.labels, map(float, predictions.scores[row]), strict=True))
    thresholds = predictions.thresholds_by_theme
    return {
        "rank": rank,
        "id": predictions.ids[row],
        "usefulness": suggestion.usefulness,
        "near": [
            {"theme": theme, "score": scores[theme], "threshold": thresholds[theme]}
            for theme in suggestion.near
        ],
        "scores": scores,
    }


def print_suggestions(suggestions: list[Suggestion], predictions: Predictions) -> None:
    from rich.table import Table

    title = f"{len(suggestions)} of {len(predictions)} articles, most useful first"
    table = Table(title=title)
    table.add_column("#", justify="right")
    table.add_column("article", max_width=40, overflow="ellipsis")
    table.add_column("usefulness", justify="right")
    table.add_column("near the threshold: theme score/threshold")
    for rank, suggestion in enumerate(suggestions, 1):
        row = suggestion_dict(rank, suggestion, predictions)
        near = ", ".join(f"{n['theme']} {n['score']:.2f}/{n['threshold']:.2f}" for n in row["near"])
        table.add_row(str(rank), row["id"], f"{row['usefulness']:.3f}", near)
    console().print(table)


def retuning_dict(retuning: Retuning) -> dict:
    """What `tune-thresholds --json` prints: thresholds and metrics before and after."""
    return {
        "rule": retuning.rule.describe(),
        "articles": len(retuning.after.records),
        "thresholds": {
            "before": retuning.before.predictions.thresholds_by_theme,
            "after": retuning.after.predictions.thresholds_by_theme,
        },
        "kept": list(retuning.kept),
        "before": retuning.before.metrics,
        "after": retuning.after.metrics,
        "out_of_fold": retuning.out_of_fold,
    }


def print_retuning(retuning: Retuning) -> None:
    """Per theme, the threshold and the precision, recall and F1 it gives, before → after."""
    from tematik.metrics import f1_summary

    row = retuning_dict(retuning)
    table = _plain_table(
        f"Thresholds for {row['rule']}, on {row['articles']} articles (before→after)"
    )
    table.add_column("theme", no_wrap=True)
    for heading in ("threshold", "precision", "recall", "F1", "articles"):
        table.add_column(heading, justify="right", no_wrap=True)
    for theme, before in row["before"]["per_label"].items():
        after = row["after"]["per_label"][theme]
        change = [f"{before[k]:.2f}→{after[k]:.2f}" for k in ("precision", "recall", "f1")]
        old, new = (row["thresholds"][when][theme] for when in ("before", "after"))
        kept = "*" if theme in row["kept"] else ""
        table.add_row(theme, f"{old:.3f}→{new:.3f}{kept}", *change, str(after["support"]))
    shown = console()
    shown.print(table)
    shown.print(f"before: {f1_summary(row['before'])}\nafter:  {f1_summary(row['after'])}")
    if row["out_of_fold"]:
        shown.print(f"out of fold ({retuning.folds} folds): {f1_summary(row['out_of_fold'])}")
    if row["kept"]:
        shown.print(
            f"* {', '.join(row['kept'])}: fewer than {retuning.rule.min_positives} annotated "
            "articles, threshold kept"
        )


def print_agreement(agreement: Agreement, listed: Sequence[Disagreement]) -> None:
    """Per theme agreement, articles per annotator, and the disputed articles listed."""

    def shown(value: float | None) -> str:
        return "—" if value is None else f"{value:.3f}"

    table = _plain_table("Agreement per theme")
    for heading in ("theme", "articles", "raw", "Cohen's κ", "Krippendorff's α"):
        table.add_column(heading, justify="left" if heading == "theme" else "right")
    for theme in agreement.themes:
        table.add_row(
            theme.theme,
            str(theme.articles),
            f"{theme.raw:.3f}",
            shown(theme.cohen_kappa),
            shown(theme.krippendorff_alpha),
        )
    out = console()
    out.print(table)
    out.print(
        "articles labelled: "
        + ", ".join(f"{name} {count}" for name, count in agreement.annotators.items())
    )
    out.print(
        f"{len(agreement.disagreements)} article(s) disputed"
        + (f"; the {len(listed)} most disputed:" if listed else "")
    )
    for disagreement in listed:
        split = "; ".join(
            f"{theme}: yes {', '.join(s['yes'])} / no {', '.join(s['no'])}"
            for theme, s in disagreement.split.items()
        )
        out.print(f"  {disagreement.article}  {split}", markup=False, highlight=False)


def print_learning_curve(curve: LearningCurve) -> None:
    """Per share of the annotations: articles, each seed's macro-F1, mean and spread; then the
    verdict."""
    table = _plain_table(
        f"Learning curve: macro-F1 on {curve.evaluated_on} ({curve.evaluation_articles} articles)"
    )
    for heading in ("share", "articles", "macro-F1 per seed", "mean", "spread"):
        table.add_column(heading, justify="right")
    for point in curve.points:
        table.add_row(
            f"{point.fraction:.0%}",
            str(point.articles),
            " ".join(f"{score:.3f}" for score in point.macro_f1),
            f"{point.mean:.3f}",
            f"±{point.spread:.3f}",
        )
    shown = console()
    shown.print(table)
    shown.print(curve.verdict(), markup=False, highlight=False)


def _plain_table(title: str) -> Table:
    """A table without borders, its title on the left."""
    from rich.table import Table

    return Table(title=title, box=None, pad_edge=False, title_justify="left")
