"""Markdown tables shared by the model card and the evaluation report."""

from __future__ import annotations

from collections.abc import Mapping


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
    averages = (
        f"micro-F1 {metrics['micro_f1']:.3f} · macro-F1 {metrics['macro_f1']:.3f} · "
        f"samples-F1 {metrics['samples_f1']:.3f}"
    )
    return table(["theme", "threshold", "precision", "recall", "F1", "support"], rows) + (
        f"\n\n{averages}"
    )
