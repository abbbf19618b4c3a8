"""The partner network drawing: layout, sector colours and hatches, labels placed without overlap."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import Bbox

from questionnaires import formatting as fmt

from .. import network as network_mod
from ..dataset import Dataset
from .frame import (
    DPI,
    GRID,
    LABEL_ALL_NODES_UP_TO,
    LABELLED_NODES,
    LAYOUT_SEED,
    PALETTE,
    SUBTITLE_WIDTH,
    fit,
    head,
    key,
    n_label,
    new_figure,
    placeholder,
    style,
    wrap,
)

ISOLATES_LABELLED = 12  # isolated actors are named below the drawing up to this many


def network_layout(graph: nx.Graph[str]) -> dict[Any, Any]:
    """Spring layout (fixed seed) of the connected actors; actors without ties in a row below."""
    isolated = [n for n in graph.nodes if graph.degree(n) == 0]
    connected = graph.subgraph([n for n in graph.nodes if graph.degree(n) > 0])
    pos: dict[Any, Any] = {}
    if connected.number_of_nodes():
        k = 1.5 / math.sqrt(connected.number_of_nodes())
        try:
            pos = nx.spring_layout(connected, seed=LAYOUT_SEED, k=k, iterations=200)
        except ImportError:  # networkx needs scipy for 500 nodes or more
            pos = nx.circular_layout(connected)
    per_row = 10
    for i, node in enumerate(sorted(isolated, key=lambda n: str(graph.nodes[n].get("name", n)))):
        row, column = divmod(i, per_row)
        in_row = min(per_row, len(isolated) - row * per_row)
        pos[node] = (-1 + 2 * (column + 0.5) / in_row, -1.42 - 0.16 * row)
    return pos


SECTOR_COLOURS = PALETTE[:7]  # black (the 8th) hides outlines and hatching: the unknown sector is grey


SECTOR_HATCHES = ("", "//////", "......", "xxxxxx")


UNKNOWN_COLOUR = "#BDBDBD"


# Where a label may go around its point, in this order: above, below, right, left, the diagonals.
LABEL_SPOTS = ((0, 1, "center", "bottom"), (0, -1, "center", "top"), (1, 0, "left", "center"),
               (-1, 0, "right", "center"), (0.8, 0.8, "left", "bottom"), (-0.8, 0.8, "right", "bottom"),
               (0.8, -0.8, "left", "top"), (-0.8, -0.8, "right", "top"))


def sector_styles(codes: Sequence[str]) -> dict[str, tuple[Any, str]]:
    """(colour, hatch) per sector code: Okabe–Ito colours; beyond them the colours repeat with a
    hatching, so no two sectors look alike. The unknown sector ("") is grey without hatching."""
    styles: dict[str, tuple[Any, str]] = {"": (UNKNOWN_COLOUR, "")}
    for i, code in enumerate(c for c in codes if c):
        round_, index = divmod(i, len(SECTOR_COLOURS))
        styles[code] = (SECTOR_COLOURS[index], SECTOR_HATCHES[round_ % len(SECTOR_HATCHES)])
    return styles


@dataclass(frozen=True)
class PointLabel:
    key: Any
    xy: tuple[float, float]  # data coordinates
    text: str
    radius: float  # pt: half the marker size


def place_labels(fig: Figure, ax: Any, labels: Sequence[PointLabel], points: Sequence[PointLabel],
                 taken: list[Bbox] | None = None, **text_style: Any) -> list[Any]:
    """Put each label beside its point where it covers no other label and no point, trying the
    spots of `LABEL_SPOTS` near and then farther; labels come in order of importance, so the most
    central actors get the free places. A label without a free place is left out.

    Lays the figure out first and then freezes the layout, so the boxes measured here are the
    ones drawn. Returns the keys of the labelled points. Pass the same `taken` list to several
    calls (different text styles) so their labels avoid each other too.
    """
    fig.set_dpi(DPI)  # measure as rendered: hinted text is up to a tenth wider at 150 dpi than at 100
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    fig.set_layout_engine("none")
    renderer = canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    scale = fig.dpi / 72
    marks = []
    for point in points:
        x, y = ax.transData.transform(point.xy)
        r = point.radius * scale
        marks.append((point.key, Bbox.from_extents(x - r, y - r, x + r, y + r)))
    taken = [] if taken is None else taken
    taken += [t.get_window_extent(renderer).padded(1.5 * scale) for t in ax.texts if t.get_text().strip()]
    done = []
    for label in labels:
        placed = False
        for distance in (1.0, 2.2, 3.6):
            for dx, dy, ha, va in LABEL_SPOTS:
                gap = label.radius + 2 * distance
                text = ax.annotate(label.text, label.xy, xytext=(dx * gap, dy * gap), textcoords="offset points",
                                   ha=ha, va=va, **text_style)
                box = text.get_window_extent(renderer).expanded(1.0, 1.0).padded(1.5 * scale)
                free = (frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
                        and not any(box.overlaps(other) for other in taken)
                        and not any(key != label.key and box.overlaps(mark) for key, mark in marks))
                if free:
                    taken.append(box)
                    done.append(label.key)
                    placed = True
                    break
                text.remove()
            if placed:
                break
    return done


def network_chart(graph: nx.DiGraph[str], dataset: Dataset | None = None,
                  title: str = "Kooperationsnetzwerk") -> Figure:
    """Spring layout (fixed seed); colour (and beyond seven sectors hatching) = sector, size = ties,
    circle = answered, square = named partner who did not answer; thick lines = mutual ties.

    Up to `LABEL_ALL_NODES_UP_TO` actors every actor is named beside its point, else the best
    connected are numbered and named in a key; labels are placed most central first where they
    cover nothing (`place_labels`)."""
    ties = network_mod.undirected(graph)
    if ties.number_of_nodes() == 0:
        return placeholder(title, "Keine Kooperationsangaben.", n_label(0))
    pos = network_layout(ties)
    sectors: dict[str, str] = {}
    for _node, data in ties.nodes(data=True):
        sectors.setdefault(data.get("sector", ""), data.get("sector_label") or data.get("sector") or "ohne Angabe")
    ordered = sorted((code for code in sectors if code), key=lambda c: sectors[c]) + ([""] if "" in sectors else [])
    styles = sector_styles(ordered)
    hatched = any(hatch for _colour, hatch in styles.values())
    degree = dict(ties.degree())
    top_degree = max(degree.values()) or 1
    small = ties.number_of_nodes() <= LABEL_ALL_NODES_UP_TO
    smallest = 45 if hatched else 25

    def size(node: Any) -> float:
        return (smallest + 260 * degree[node] / top_degree) * (1 if small else 0.6)

    def name(node: Any) -> str:
        return str(ties.nodes[node].get("name", node))

    fig = new_figure(5.8)
    with style():
        if small:
            ax = fig.add_subplot()
        else:
            ax, key_ax = fig.subplots(1, 2, width_ratios=[2.8, 1.2])
            key_ax.set_axis_off()
        ax.set_axis_off()
        for mutual, width, alpha in ((False, 0.6, 0.45), (True, 1.8, 0.7)):
            segments = [(pos[u], pos[v]) for u, v, d in ties.edges(data=True) if bool(d.get("reciprocated")) == mutual]
            if segments:
                ax.add_collection(LineCollection(segments, colors="#555555", linewidths=width, alpha=alpha, zorder=1))
        for code in ordered:
            colour, hatch = styles[code]
            for responded, marker in ((True, "o"), (False, "s")):
                nodes = [n for n, d in ties.nodes(data=True)
                         if bool(d.get("responded")) == responded and d.get("sector", "") == code]
                if nodes:
                    ax.scatter([pos[n][0] for n in nodes], [pos[n][1] for n in nodes], s=[size(n) for n in nodes],
                               color=colour, hatch=hatch or None, marker=marker, edgecolors="#333333",
                               linewidths=0.6, zorder=2)
        isolated = [n for n in ties.nodes if ties.degree(n) == 0]
        if isolated:
            ax.axhline(-1.2, color=GRID, linewidth=0.8)
            ax.text(-1.1, -1.23, "ohne Kooperation:", fontsize=7, color="#444444", va="top")
        ax.update_datalim(list(pos.values()))
        ax.autoscale_view()
        ax.margins(0.12)
        handles: list[Any] = [Patch(facecolor=styles[c][0], hatch=styles[c][1] or None, edgecolor="#333333",
                                    label=wrap(sectors[c], 24, 2)) for c in ordered]
        handles += [
            Line2D([], [], linestyle="", marker="o", markersize=7, markerfacecolor="white", markeredgecolor="#333333",
                   label="hat geantwortet"),
            Line2D([], [], linestyle="", marker="s", markersize=7, markerfacecolor="white", markeredgecolor="#333333",
                   label="genannt, nicht geantwortet"),
            Line2D([], [], color="#555555", linewidth=1.8, label="gegenseitige Nennung"),
        ]
        key(fig, handles, 3)
        # Most central first: they get the free places next to their point.
        ranked = sorted(ties.nodes, key=lambda n: (-degree[n], name(n)))
        points = [PointLabel(n, pos[n], "", math.sqrt(size(n)) / 2) for n in ties.nodes]
        if small:
            wanted = [n for n in ranked if n not in isolated or len(isolated) <= ISOLATES_LABELLED]
            note = "Größe = Zahl der Kooperationen"
            n_text = (f"n = {fmt.number(ties.number_of_nodes())} Akteure, "
                      f"{fmt.number(ties.number_of_edges())} Kooperationen")
            head(fig, title, n_text, note + ".", subtitle_lines=2)
            subtitle = fig.texts[-1]
            labels = [PointLabel(n, pos[n], wrap(name(n), 22, 2), math.sqrt(size(n)) / 2) for n in wanted]
            missing = ties.number_of_nodes() - len(place_labels(
                fig, ax, labels, points, fontsize=6.5, zorder=3, linespacing=1.1,
                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.75, "pad": 0.5}))
            if missing:
                note += (f"; {fmt.number(missing)} {'Akteur' if missing == 1 else 'Akteure'} mit wenigen "
                         "Kooperationen ohne Namen (kein Platz)")
                subtitle.set_text(wrap(f"{n_text} · {note}.", SUBTITLE_WIDTH, 2))
        else:  # numbers on the best connected actors, their names in a key beside the drawing
            best = ranked[:LABELLED_NODES]
            note = f"Größe = Zahl der Kooperationen; nummeriert sind die {len(best)} am stärksten vernetzten Akteure"
            head(fig, title, f"n = {fmt.number(ties.number_of_nodes())} Akteure, "
                             f"{fmt.number(ties.number_of_edges())} Kooperationen", note + ".")
            key_text = key_ax.text(0, 1, "", va="top", ha="left", fontsize=7, transform=key_ax.transAxes,
                                   linespacing=1.3)
            labels = [PointLabel(n, pos[n], str(number), math.sqrt(size(n)) / 2)
                      for number, n in enumerate(best, start=1)]
            taken: list[Bbox] = []
            numbered = set(place_labels(fig, ax, labels, points, taken, fontsize=7, fontweight="bold", zorder=3,
                                        bbox={"facecolor": "white", "edgecolor": "#333333", "linewidth": 0.5,
                                              "boxstyle": "round,pad=0.15"}))
            if isolated and len(isolated) <= ISOLATES_LABELLED:
                place_labels(fig, ax, [PointLabel(n, pos[n], wrap(name(n), 22, 2), math.sqrt(size(n)) / 2)
                                       for n in sorted(isolated, key=name)], points, taken, fontsize=6,
                             color="#333333", zorder=3, linespacing=1.1)
            key_text.set_text("Am stärksten vernetzt:\n" + "\n".join(
                f"{number:>2}  " + fit(name(node), 110, 7, 2).replace("\n", "\n      ")
                for number, node in enumerate(best, start=1) if node in numbered))
    return fig
