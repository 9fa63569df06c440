"""The evaluation report: metrics, plots and the worst-classified articles, in one directory."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from tematik.errors import TematikError
from tematik.evaluation import Evaluation
from tematik.figures import figure_grid
from tematik.files import staged_directory
from tematik.markdown import metrics_table
from tematik.metrics import precision_recall_curve

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from tematik.evidence import Evidence
    from tematik.modeling import ThemeClassifier

METRICS_FILE = "metrics.json"
CURVES_FILE = "precision_recall.png"
BARS_FILE = "f1_by_theme.png"
COOCCURRENCE_FILE = "cooccurrence.png"
REPORT_FILE = "report.md"
REPORT_FILES = (METRICS_FILE, CURVES_FILE, BARS_FILE, COOCCURRENCE_FILE, REPORT_FILE)
WORST_ARTICLES = 10
EXCERPT_CHARACTERS = 200
QUOTE_CHARACTERS = 300
BAR_SCORES = {"precision": "precision", "recall": "recall", "f1": "F1"}


def check_report_directory(directory: Path) -> None:
    """Refuse a path that exists and is anything but a directory of an earlier report (or empty)."""
    if directory.exists() and not directory.is_dir():
        raise TematikError(f"{directory}: exists and is not a directory; choose another --report")
    contents = directory.iterdir() if directory.is_dir() else []
    foreign = sorted(p.name for p in contents if p.name not in REPORT_FILES)
    if foreign:
        raise TematikError(
            f"{directory}: holds files that are not a tematik report ({', '.join(foreign[:3])}"
            f"{', …' if len(foreign) > 3 else ''}); choose a new or empty --report directory"
        )


def worst_rows(evaluation: Evaluation) -> list[int]:
    """The articles whose scores lie furthest from their annotations, worst first: the largest
    sum over themes of |score − annotation|."""
    return np.argsort(-_errors(evaluation), kind="stable")[:WORST_ARTICLES].tolist()


def _errors(evaluation: Evaluation) -> np.ndarray:
    """Per article, the sum over themes of |score − annotation|."""
    return np.abs(evaluation.predictions.scores - evaluation.actual).sum(axis=1)


def explain_worst(
    classifier: ThemeClassifier, evaluation: Evaluation
) -> dict[int, dict[str, Evidence]]:
    """For each worst-classified article, the passage behind each theme it was given or annotated
    with: the evidence for a predicted theme, the best passage for a missed one."""
    rows = worst_rows(evaluation)
    themes = [
        [
            t
            for t in evaluation.labels
            if t in evaluation.records[row].labels or t in evaluation.predictions.themes(row)
        ]
        for row in rows
    ]
    texts = [evaluation.records[row].text for row in rows]
    return dict(zip(rows, classifier.evidence(texts, themes), strict=True))


def write_report(
    directory: Path,
    evaluation: Evaluation,
    *,
    model: str | Path,
    data: Sequence[str],
    evidence: Mapping[int, dict[str, Evidence]] | None = None,
) -> Path:
    """Write metrics.json, three PNG plots and report.md into `directory`, all or nothing.

    `model` and `data` name what was evaluated in the report; `evidence` (from `explain_worst`)
    quotes the passages behind the worst-classified articles' themes. An earlier report in
    `directory` is replaced; a directory holding anything else is refused.
    """
    directory = Path(directory)
    check_report_directory(directory)
    with staged_directory(directory) as staging:
        staging.mkdir()
        about = f"Model {_code(model)} on {', '.join(map(_code, data))}"
        _write_files(staging, evaluation, about, evidence or {})
    return directory


def _write_files(
    folder: Path, evaluation: Evaluation, about: str, evidence: Mapping[int, dict[str, Evidence]]
) -> None:
    metrics = evaluation.metrics
    (folder / METRICS_FILE).write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    _curves_figure(evaluation).savefig(folder / CURVES_FILE)
    _bars_figure(metrics).savefig(folder / BARS_FILE)
    _cooccurrence_figure(evaluation).savefig(folder / COOCCURRENCE_FILE)
    (folder / REPORT_FILE).write_text(_markdown(evaluation, about, evidence), encoding="utf-8")


def _curves_figure(evaluation: Evaluation) -> Figure:
    """One precision-recall panel per theme, the model's threshold marked on each."""
    labels = evaluation.labels
    columns = min(2, len(labels))
    rows = -(-len(labels) // columns)
    figure, axes = figure_grid(4.2 * columns, 3.6 * rows, rows, columns)
    for i, (ax, theme) in enumerate(zip(axes.flat, labels, strict=False)):
        chosen = evaluation.metrics["per_label"][theme]
        ax.set_title(f"{theme} (support {chosen['support']})", fontsize=10)
        ax.set(xlim=(0, 1.02), ylim=(0, 1.05), xlabel="recall", ylabel="precision")
        ax.grid(alpha=0.3)
        actual = evaluation.actual[:, i]
        if not actual.any():
            ax.text(0.5, 0.5, "no annotated article", ha="center", va="center", color="grey")
            continue
        curve = precision_recall_curve(evaluation.predictions.scores[:, i], actual)
        ax.plot(*curve, drawstyle="steps-pre")
        point = (chosen["recall"], chosen["precision"])
        ax.plot(*point, "o", color="crimson", zorder=3)
        ax.annotate(
            f"threshold {evaluation.predictions.thresholds[i]:.2f}",
            point,
            xytext=(-8, -14),
            textcoords="offset points",
            ha="right",
            fontsize=8,
            color="crimson",
        )
    for ax in axes.flat[len(labels) :]:
        ax.set_visible(False)
    figure.suptitle("Precision against recall per theme (dot: the model's threshold)")
    return figure


def _bars_figure(metrics: dict) -> Figure:
    """Precision, recall and F1 bars per theme, with the support under each group."""
    per_label = metrics["per_label"]
    themes = list(per_label)
    figure, axes = figure_grid(max(6.0, 1.6 * len(themes)), 4.2)
    ax = axes[0, 0]
    positions = np.arange(len(themes))
    width = 0.27
    for offset, (key, name) in enumerate(BAR_SCORES.items(), start=-1):
        values = [per_label[t][key] for t in themes]
        bars = ax.bar(positions + offset * width, values, width, label=name)
        if key == "f1":
            ax.bar_label(bars, fmt="%.2f", fontsize=8)
    ticks = [f"{t}\nsupport {per_label[t]['support']}" for t in themes]
    ax.set_xticks(positions, ticks, fontsize=8)
    ax.set(ylim=(0, 1.12), ylabel="score")
    ax.legend(loc="upper center", ncols=3, fontsize=8)
    ax.set_title(
        f"Per theme: macro-F1 {metrics['macro_f1']:.3f}, micro-F1 {metrics['micro_f1']:.3f}"
    )
    return figure


def _cooccurrence_figure(evaluation: Evaluation) -> Figure:
    """Articles per (annotated theme, predicted theme) pair, `none` for no theme at all."""
    annotated = _with_none(evaluation.actual)
    predicted = _with_none(evaluation.predictions.decisions)
    counts = annotated.T.astype(int) @ predicted.astype(int)
    names = [*evaluation.labels, "none"]
    figure, axes = figure_grid(1.0 * len(names) + 2.2, 1.0 * len(names) + 1.8)
    ax = axes[0, 0]
    ax.imshow(counts, cmap="Blues", vmin=0)
    ax.set_xticks(range(len(names)), names, rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.set(xlabel="predicted theme", ylabel="annotated theme")
    for (row, column), count in np.ndenumerate(counts):
        color = "white" if count > counts.max() / 2 else "black"
        ax.text(column, row, str(count), ha="center", va="center", color=color)
    ax.set_title("Articles annotated with the row's theme and predicted the column's", fontsize=10)
    return figure


def _with_none(matrix: np.ndarray) -> np.ndarray:
    """The 0/1 matrix with a last column marking articles that carry no theme."""
    return np.column_stack([matrix, ~matrix.any(axis=1)])


def _markdown(
    evaluation: Evaluation, about: str, evidence: Mapping[int, dict[str, Evidence]]
) -> str:
    thresholds = evaluation.predictions.thresholds_by_theme
    sections = [
        "# Evaluation report",
        f"{about}: {len(evaluation.records)} articles.",
        "## Metrics",
        metrics_table(evaluation.metrics, thresholds),
        f"![Precision, recall and F1 per theme]({BARS_FILE})",
        "## Precision and recall",
        "Each curve shows the precision and recall a theme would get at every threshold; the dot "
        "is where the model's own threshold puts it.",
        f"![Precision-recall curve per theme]({CURVES_FILE})",
        "## Annotated and predicted themes",
        "Rows are annotated themes, columns predicted ones; a cell counts the articles with both "
        "(`none`: no theme at all). Correct themes lie on the diagonal.",
        f"![Co-occurrence of annotated and predicted themes]({COOCCURRENCE_FILE})",
        *_worst_articles(evaluation, evidence),
    ]
    return "\n\n".join(sections) + "\n"


def _worst_articles(
    evaluation: Evaluation, evidence: Mapping[int, dict[str, Evidence]]
) -> list[str]:
    """Sections on the worst-classified articles, with the passages behind their themes."""
    labels, scores = evaluation.labels, evaluation.predictions.scores
    rows, errors = worst_rows(evaluation), _errors(evaluation)
    sections = [
        "## Worst-classified articles",
        f"The {len(rows)} articles with the largest total error (the sum over themes of "
        "|score − annotation|). Under each, the passage the model scores highest for each theme "
        "it predicted or missed, scored on its own.",
    ]
    for rank, row in enumerate(rows, start=1):
        record = evaluation.records[row]
        predicted = evaluation.predictions.themes(row)
        all_scores = " · ".join(f"{t} {s:.2f}" for t, s in zip(labels, scores[row], strict=True))
        sections += [
            f"### {rank}. {_code(record.id)} (error {errors[row]:.2f})",
            f"- annotated: {_listed(record.labels)}\n"
            f"- predicted: {_listed(predicted)}\n"
            f"- scores: {all_scores}",
            f"> {_excerpt(record.text, EXCERPT_CHARACTERS)}",
            *_cited(evidence.get(row, {}), predicted, record.labels),
        ]
    return sections


def _cited(
    evidence: dict[str, Evidence], predicted: Sequence[str], annotated: Sequence[str]
) -> list[str]:
    """One line per theme: how it was decided, the passage's own score, and the passage."""
    verdicts = {(True, True): "right", (True, False): "false alarm", (False, True): "missed"}
    lines = [
        f"- **{theme}** ({verdicts[theme in predicted, theme in annotated]}; passage "
        f"{passage.score:.2f}): “{_excerpt(passage.text, QUOTE_CHARACTERS)}”"
        for theme, passage in evidence.items()
    ]
    return ["\n".join(lines)] if lines else []


def _code(text: str | Path) -> str:
    """Inline code; a backtick inside becomes a quote."""
    return "`" + str(text).replace("`", "'") + "`"


def _listed(themes: Sequence[str]) -> str:
    return ", ".join(themes) or "—"


def _excerpt(text: str, characters: int) -> str:
    """The text's first characters on one line, Markdown's special characters escaped."""
    flat = " ".join(text.split())
    if len(flat) > characters:
        flat = flat[:characters].rstrip() + "…"
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", flat)
