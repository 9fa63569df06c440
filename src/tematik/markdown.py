"""Markdown tables shared by the model card and the evaluation report."""

from __future__ import annotations

from collections.abc import Mapping

from tematik.metrics import f1_summary


def table(header: list[str], rows: list[list]) -> str:
    """A Markdown table; `|` inside a cell is escaped."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += [
        "| " + " | ".join(str(cell).replace("|", "\\|") for cell in row) + " |" for row in rows
    ]
    return "\n".join(lines)


def metrics_table(metrics: dict, thresholds: Mapping[str, float]) -> str:
    """Per-theme threshold, precision, recall, F1 and support, then the averaged F1 scores."""
    rows = [
        [theme, f"{thresholds[theme]:.3f}"]
        + [f"{scores[k]:.3f}" for k in ("precision", "recall", "f1")]
        + [scores["support"]]
        for theme, scores in metrics["per_label"].items()
    ]
    header = ["theme", "threshold", "precision", "recall", "F1", "support"]
    return f"{table(header, rows)}\n\n{f1_summary(metrics)}"
