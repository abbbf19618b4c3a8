"""Heatmaps: coverage (life phase × district, × sector; target group × life phase) and
cooperations between sectors; their labels fitted to the cells.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from questionnaires import formatting as fmt

from .. import coverage as coverage_mod
from .. import network as network_mod
from .frame import (
    HEAT,
    WIDTH,
    fit,
    head,
    key,
    line_count,
    n_label,
    new_figure,
    placeholder,
    style,
    text_width,
    wrap,
)

TICK = 8  # pt, tick labels


LINE = TICK * 1.25  # pt per tick label line


HEAD_ROOM = 64  # pt: title and subtitle (see `head`)


@dataclass(frozen=True)
class HeatmapLabels:
    """Tick labels of a heatmap fitted to their room: columns horizontal while they fit into their
    column, else vertical (turned by 90°) with as many lines as the column is wide."""

    rows: list[str]
    columns: list[str]
    vertical: bool
    row_height: float  # pt
    column_height: float  # pt: room the column labels take below the matrix
    column_width: float  # pt per column


def heatmap_labels(rows: Sequence[str], columns: Sequence[str], cell_lines: int = 1) -> HeatmapLabels:
    row_labels = [fit(label, 150, TICK, 2) for label in rows]
    row_room = max([text_width(label, TICK) for label in row_labels] + [20])
    # figure width − row labels − axis title, paddings
    per_column = (WIDTH * 72 - row_room - 40) / max(1, len(columns))
    horizontal = [fit(label, per_column - 6, TICK, 3) for label in columns]
    vertical = any(text_width(label, TICK) > per_column - 4 for label in horizontal)
    if vertical:
        lines = max(1, min(3, int((per_column - 3) // LINE)))
        column_labels = [fit(label, 170, TICK, lines) for label in columns]
        column_height = max([text_width(label, TICK) for label in column_labels] + [10]) + 6
    else:
        column_labels = horizontal
        column_height = max([line_count(label) for label in column_labels] + [1]) * LINE + 6
    most_lines = max([line_count(label) for label in row_labels] + [cell_lines * 0.85])
    row_height = max(20.0, most_lines * LINE + 6)
    return HeatmapLabels(row_labels, column_labels, vertical, row_height, column_height, per_column)


def heatmap_height(labels: HeatmapLabels, legend_lines: int = 0) -> float:
    """Figure height in inches: title, the rows, the column labels and their title, a legend."""
    points = HEAD_ROOM + len(labels.rows) * labels.row_height + labels.column_height + 24 + legend_lines * 12 + 8
    return points / 72


def set_heatmap_ticks(ax: Any, labels: HeatmapLabels) -> None:
    if labels.vertical:
        ax.set_xticks(range(len(labels.columns)), labels.columns, rotation=90, ha="right", va="center",
                      rotation_mode="anchor", fontsize=TICK)
    else:
        ax.set_xticks(range(len(labels.columns)), labels.columns, fontsize=TICK)
    ax.set_yticks(range(len(labels.rows)), labels.rows, fontsize=TICK)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)


def _heatmap_axes(fig: Figure, counts: Sequence[Sequence[int]], labels: HeatmapLabels) -> Any:
    ax = fig.add_subplot()
    data = [list(row) for row in counts]
    top = max([max(row) for row in data if row] + [1])
    ax.imshow(data, cmap=HEAT, vmin=0, vmax=top * 1.15, aspect="auto")
    set_heatmap_ticks(ax, labels)
    size = 7.5 if labels.column_width >= 22 else 6.5
    for r, row in enumerate(data):
        for c, value in enumerate(row):
            if value:
                ax.text(c, r, fmt.number(value), ha="center", va="center", fontsize=size,
                        color="white" if value > top * 0.6 else "black")
    return ax


def coverage_heatmap(matrix: coverage_mod.CoverageMatrix) -> Figure:
    """Counts per cell; gaps hatched and labelled "Lücke", dense cells framed."""
    title = matrix.title
    if not matrix.rows or not matrix.columns:
        return placeholder(title, "Keine Angaben zu Angeboten.", n_label(matrix.offers))
    labels = heatmap_labels([o.label for o in matrix.rows], [o.label for o in matrix.columns])
    fig = new_figure(heatmap_height(labels, legend_lines=2))
    with style():
        ax = _heatmap_axes(fig, matrix.counts, labels)
        small = labels.column_width < 26
        for r, c in matrix.gaps:
            ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, facecolor="white", edgecolor="#9A9A9A", hatch="////",
                                   linewidth=0.4))
            ax.text(c, r, "Lücke", ha="center", va="center", fontsize=5.5 if small else 6.5, color="#333333",
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.6})
        for r, c in matrix.dense:
            ax.add_patch(Rectangle((c - 0.46, r - 0.46), 0.92, 0.92, fill=False, edgecolor="black", linewidth=2.2))
        for c in matrix.excluded_columns:
            ax.axvline(c - 0.5, color="white", linewidth=3)
        handles = [
            Patch(facecolor="white", edgecolor="#9A9A9A", hatch="////", label="Lücke: kein Angebot"),
            Patch(facecolor="none", edgecolor="black", linewidth=2, label=wrap(coverage_mod.DENSE_RULE, 60, 2)),
        ]
        key(fig, handles, 2)
        ax.set_xlabel(matrix.column_title)
        ax.set_ylabel(matrix.row_title)
        ax.xaxis.set_label_position("bottom")
        note = (f"{fmt.number(matrix.offers)} Angebote von {fmt.number(matrix.respondents)} Einrichtungen; "
                "ein Angebot zählt in jeder Zelle, zu der es gehört.")
        head(fig, title, f"n = {fmt.number(matrix.offers)} Angebote", note)
    return fig


def sector_heatmap(matrix: network_mod.SectorMatrix, title: str = "Kooperationen zwischen Handlungsfeldern") -> Figure:
    """Sector × sector ties; the diagonal (ties within a sector) is framed."""
    if not matrix.sectors:
        return placeholder(title, "Keine Kooperationsangaben.", n_label(0))
    names = [o.label for o in matrix.sectors]
    labels = heatmap_labels(names, names)
    fig = new_figure(heatmap_height(labels))
    with style():
        ax = _heatmap_axes(fig, matrix.counts, labels)
        for i in range(len(names)):
            ax.add_patch(Rectangle((i - 0.46, i - 0.46), 0.92, 0.92, fill=False, edgecolor="black", linewidth=1.6,
                                   linestyle="--"))
        ax.set_xlabel("Handlungsfeld der genannten bzw. nennenden Einrichtung")
        ax.set_ylabel("Handlungsfeld der Einrichtung")
        within = sum(matrix.counts[i][i] for i in range(len(names)) if matrix.sectors[i].code)
        note = f"Gestrichelt: innerhalb eines Handlungsfeldes ({fmt.number(within)})"
        if matrix.densities is not None and matrix.densities.sentence():
            note += ". " + matrix.densities.sentence()
        head(fig, title, f"n = {fmt.number(matrix.ties)} Kooperationen", note)
    return fig
