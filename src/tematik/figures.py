"""The matplotlib figures the report and the learning curve draw on."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from matplotlib.figure import Figure


def figure_grid(
    width: float, height: float, rows: int = 1, columns: int = 1, dpi: int = 110
) -> tuple[Figure, np.ndarray]:
    """A figure and its axes grid, drawn by matplotlib's Agg canvas: no window, no pyplot state."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=dpi, layout="constrained")
    FigureCanvasAgg(figure)
    return figure, figure.subplots(rows, columns, squeeze=False)
