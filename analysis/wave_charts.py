"""Charts that compare survey waves, in the style of `charts` (same scaffolding, palette, German
numbers). Marks never rely on colour alone: waves differ by colour and hatching, coverage changes by
text and hatching, network changes by line style, colour and legend.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from matplotlib import colormaps
from matplotlib.collections import LineCollection
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator

from questionnaires import formatting as fmt

from .charts.frame import (
    DIVERGING,
    GRID,
    LABEL_ALL_NODES_UP_TO,
    PALETTE,
    PERCENT,
    head,
    key,
    n_label,
    new_figure,
    placeholder,
    style,
    wrap,
)
from .charts.heatmaps import (
    heatmap_height,
    heatmap_labels,
    set_heatmap_ticks,
)
from .charts.network import (
    PointLabel,
    network_layout,
    place_labels,
)
from .privacy import DEFAULT_MIN_GROUP, suppressed_label
from .waves.coverage import (
    CoverageComparison,
)
from .waves.networks import (
    NetworkComparison,
    union_graph,
)
from .waves.questions import (
    FrequencyComparison,
)
from .waves.series import (
    Indicator,
)

WAVE_HATCHES = ("", "////", "....", "xxxx", "\\\\\\\\", "oo")
# Line styles (keyword arguments of Line2D and LineCollection)
ADDED: dict[str, Any] = {"color": "#009E73", "linestyle": "--", "linewidth": 2.2}
LOST: dict[str, Any] = {"color": "#D55E00", "linestyle": ":", "linewidth": 2.2}
KEPT: dict[str, Any] = {"color": "#7A7A7A", "linestyle": "-", "linewidth": 1.0}
CLOSED_HATCH, OPENED_HATCH, GAP_HATCH = "\\\\\\\\", "xxxx", "////"


def _wave_colours(count: int) -> list[str]:
    """Older waves lighter, the newest in the primary blue; hatching tells them apart as well."""
    blues = ["#BFDCEE", "#56B4E9", PALETTE[0]]
    if count <= 3:
        return blues[3 - count:]
    return [PALETTE[i % len(PALETTE)] for i in range(count)]


def _n_per_wave(labels: Sequence[str], n: Sequence[int]) -> str:
    return "n = " + " · ".join(f"{fmt.number(v)} ({label})" for label, v in zip(labels, n, strict=True))


# -- grouped bars ----------------------------------------------------------------------------------


def comparison_chart(comparison: FrequencyComparison, min_group: int = DEFAULT_MIN_GROUP) -> Figure:
    """Grouped horizontal bars: per option one bar per wave (share of respondents), and the change
    from the first to the last wave in percentage points beside each group."""
    title = comparison.prompt
    labels = comparison.labels
    n_text = _n_per_wave(labels, comparison.n)
    if all(v == 0 for v in comparison.n):
        return placeholder(title, "Noch keine Antworten.", n_text)
    rows = list(comparison.rows)
    waves = len(labels)
    colours = _wave_colours(waves)
    bar = 0.8 / waves
    row_labels = [wrap(r.label, 30) for r in rows]
    lines = sum(max(label.count("\n") + 1, waves * 0.55) for label in row_labels)
    fig = new_figure(1.9 + 0.24 * lines + 0.1 * len(rows))
    with style():
        ax = fig.add_subplot()
        top = max([p for r in rows for p in r.percents if p is not None] + [1.0])
        hidden = False
        # more hatches than waves
        for i, (label, colour, hatch) in enumerate(zip(labels, colours, WAVE_HATCHES, strict=False)):
            ys = [y - 0.4 + bar * (i + 0.5) for y in range(len(rows))]
            values = [r.percents[i] or 0 for r in rows]
            ax.barh(ys, values, height=bar * 0.92, color=colour, hatch=hatch, edgecolor="#333333", linewidth=0.4,
                    label=label)
            for y, row, value in zip(ys, rows, values, strict=True):
                if not row.present[i]:
                    text = "– nicht gefragt"
                elif row.percents[i] is None:  # a share is never written "< 3" (reads as "under 3 %")
                    text = "–"
                    hidden = hidden or bool(comparison.n[i])
                else:
                    text = fmt.percent(value)
                ax.text(value + top * 0.012, y, text, va="center", fontsize=6.5, color="#333333")
        change_x = top * 1.55
        for y, row in enumerate(rows):
            change = row.change
            ax.text(change_x, y, fmt.points(change), va="center", ha="right", fontsize=7.5,
                    fontweight="bold" if change else "normal", color="#222222")
        ax.text(change_x, -0.75, f"{labels[0]} → {labels[-1]}", ha="right", va="bottom", fontsize=7,
                color="#444444")
        ax.set_yticks(range(len(rows)), row_labels)
        ax.set_ylim(len(rows) - 0.5, -0.95)
        ax.set_xlim(0, change_x * 1.01)
        ax.xaxis.set_major_formatter(PERCENT)
        step = next(s for s in (5, 10, 20, 25, 50) if top / s <= 5)
        ax.set_xticks(range(0, int(min(top, 100)) + 1, step))
        ax.set_xlabel("Anteil der Antwortenden")
        ax.grid(axis="x", color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        ax.tick_params(axis="y", length=0)
        handles = [Patch(facecolor=c, hatch=h, edgecolor="#333333", linewidth=0.4, label=label)
                   for label, c, h in zip(labels, colours, WAVE_HATCHES, strict=False)]
        key(fig, handles, 6)
        note = f"Rechts: Veränderung {labels[0]} → {labels[-1]} in Prozentpunkten (Pp.)"
        if hidden:
            note += f"; –: Anzahl {suppressed_label(min_group)}, Anteil nicht dargestellt"
        if comparison.multiple:
            note += "; Mehrfachnennungen möglich"
        head(fig, title, n_text, note + ".")
    return fig


# -- coverage difference ---------------------------------------------------------------------------


def coverage_change_heatmap(comparison: CoverageComparison, earlier: int = 0, later: int = -1) -> Figure:
    """Change of offers per life phase × district between two waves: the difference in each cell,
    gaps closed and opened hatched and named, cells one wave did not ask about marked "–"."""
    change = comparison.change(earlier, later)
    title = f"Angebote nach Lebensphase und Stadtteil: Veränderung {change.earlier} → {change.later}"
    before = comparison.counts[earlier]
    after = comparison.counts[later]
    n_text = (f"n = {fmt.number(comparison.matrices[earlier].offers)} Angebote ({change.earlier}) · "
              f"{fmt.number(comparison.matrices[later].offers)} Angebote ({change.later})")
    if not comparison.rows or not comparison.columns:
        return placeholder(title, "Keine Angaben zu Angeboten.", n_text)
    labels = heatmap_labels([o.label for o in comparison.rows], [o.label for o in comparison.columns], cell_lines=3)
    fig = new_figure(heatmap_height(labels, legend_lines=3))
    many = labels.column_width < 40
    with style():
        ax = fig.add_subplot()
        values = [[d if d is not None else 0 for d in row] for row in change.deltas]
        reach = max([abs(v) for row in values for v in row] + [1])
        ax.imshow(values, cmap=DIVERGING, norm=TwoSlopeNorm(0, -reach * 2.6, reach * 2.6), aspect="auto")
        set_heatmap_ticks(ax, labels)
        box = {"facecolor": "white", "edgecolor": "none", "pad": 0.6, "alpha": 0.9}
        for r, row in enumerate(change.deltas):
            for c, delta in enumerate(row):
                cell = (r, c)
                if delta is None:
                    ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, facecolor="#F2F2F2", edgecolor="white"))
                    ax.text(c, r, "–", ha="center", va="center", fontsize=8, color="#666666")
                    continue
                hatch, word = None, ""
                if cell in change.gaps_closed:
                    hatch, word = CLOSED_HATCH, "zu" if many else "Lücke zu"
                elif cell in change.gaps_opened:
                    hatch, word = OPENED_HATCH, "neu" if many else "neue Lücke"
                elif cell in change.gaps_kept:
                    hatch, word = GAP_HATCH, "Lücke"
                if hatch:
                    ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, edgecolor="#444444", hatch=hatch,
                                           linewidth=0.4))
                text = fmt.signed(delta)
                text += f"\n{fmt.number(before[r][c] or 0)} → {fmt.number(after[r][c] or 0)}"
                if word:
                    text += f"\n{word}"
                ax.text(c, r, text, ha="center", va="center", fontsize=5.5 if many else 6.8, color="black",
                        linespacing=1.15, bbox=box, fontweight="bold" if cell in change.gaps_opened else "normal")
        for r, c in change.gaps_opened:
            ax.add_patch(Rectangle((c - 0.47, r - 0.47), 0.94, 0.94, fill=False, edgecolor="black", linewidth=1.8,
                                   linestyle="--"))
        for c in comparison.excluded_columns:
            ax.axvline(c - 0.5, color="white", linewidth=3)
        ax.set_xlabel("Stadtteil")
        ax.set_ylabel("Lebensphase")
        cmap = colormaps[DIVERGING]
        handles = [
            Patch(facecolor=cmap(0.72), edgecolor="none", label="mehr Angebote"),
            Patch(facecolor=cmap(0.28), edgecolor="none", label="weniger Angebote"),
            Patch(facecolor="white", edgecolor="#444444", hatch=CLOSED_HATCH, label="Lücke geschlossen (0 → mehr)"),
            Patch(facecolor="white", edgecolor="black", hatch=OPENED_HATCH, linestyle="--", linewidth=1.5,
                  label="neue Lücke (mehr → 0)"),
            Patch(facecolor="white", edgecolor="#444444", hatch=GAP_HATCH, label="Lücke in beiden Befragungen"),
            Patch(facecolor="#F2F2F2", edgecolor="#CCCCCC", label="–: nicht in beiden erfragt"),
        ]
        key(fig, handles, 3)
        offers = change.offers
        note = (f"Je Zelle: Veränderung und Zahl vorher → nachher. Neue Angebote: {fmt.number(len(offers.new))}, "
                f"beendete: {fmt.number(len(offers.ended))}, weitergeführte: {fmt.number(len(offers.continued))}")
        if offers.not_reported:
            count = len(offers.not_reported)
            note += (f"; {fmt.number(count)} {'Angebot' if count == 1 else 'Angebote'} ohne Rückmeldung "
                     f"(Einrichtung hat {change.later} nicht geantwortet)")
        head(fig, title, n_text, note + ". Beendete Angebote zählen nicht.")
    return fig


# -- network change --------------------------------------------------------------------------------


def network_change_chart(comparison: NetworkComparison, earlier: int = 0, later: int = -1) -> Figure:
    """Added, lost and kept ties between two waves in one drawing; the layout is computed once on
    the union of all waves (fixed seed), so every wave pair puts each actor in the same place."""
    n = len(comparison.labels)
    i, j = earlier % n, later % n
    change = comparison.steps[i] if j == i + 1 else comparison.overall
    if (i, j) != (0, n - 1) and j != i + 1:
        raise ValueError("only consecutive waves or first → last")
    title = f"Kooperationsnetzwerk: Veränderung {change.earlier} → {change.later}"
    union = union_graph(comparison.graphs)
    a, b = comparison.figures[i], comparison.figures[j]
    n_text = (f"n = {fmt.number(a.actors)} Akteure, {fmt.number(a.ties)} Kooperationen ({change.earlier}) · "
              f"{fmt.number(b.actors)} Akteure, {fmt.number(b.ties)} Kooperationen ({change.later})")
    if union.number_of_nodes() == 0:
        return placeholder(title, "Keine Kooperationsangaben.", n_text)
    pos = network_layout(union)
    answered_later = {node for node, d in comparison.graphs[j].nodes(data=True) if d.get("responded")}
    small = union.number_of_nodes() <= LABEL_ALL_NODES_UP_TO
    tied = any(union.degree(v) for v in union.nodes)
    rows = math.ceil(sum(1 for v in union.nodes if union.degree(v) == 0) / 10)
    fig = new_figure(6.2 if tied else 2.6 + 0.35 * rows)  # no tie at all: only the row(s) of actors
    with style():
        ax = fig.add_subplot()
        ax.set_axis_off()
        for ties, spec, z in ((change.kept, KEPT, 1), (change.lost, LOST, 2), (change.added, ADDED, 3)):
            segments = [(pos[u], pos[v]) for u, v in sorted(ties) if u in pos and v in pos]
            if segments:
                ax.add_collection(LineCollection(segments, colors=spec["color"], linestyles=spec["linestyle"],
                                                 linewidths=spec["linewidth"], zorder=z))
        changed = {node for tie in change.added | change.lost for node in tie}
        for responded, marker in ((True, "o"), (False, "s")):
            nodes = [node for node in union.nodes if (node in answered_later) == responded]
            if nodes:
                ax.scatter([pos[v][0] for v in nodes], [pos[v][1] for v in nodes], s=[60 if v in changed else 35
                                                                                    for v in nodes],
                           c="white", marker=marker, edgecolors="#333333", linewidths=0.8, zorder=4)
        isolated = [v for v in union.nodes if union.degree(v) == 0]
        if isolated:
            ax.axhline(-1.2, color=GRID, linewidth=0.8)
            ax.text(-1.1, -1.23, "in keiner Befragung mit Kooperation:", fontsize=7, color="#444444", va="top")
        # The layout's own square (or, with no tie at all, just the row of actors without ties), so
        # one or two actors are drawn inside the frame and not squashed against its edges.
        ax.update_datalim(list(pos.values()) + ([(-1.0, -1.0), (1.0, 1.0)] if tied
                                                else [(-1.0, -1.05), (1.0, -1.05)]))
        ax.autoscale_view()
        ax.margins(0.12)
        handles = [
            Line2D([], [], **ADDED, label=f"neu ({fmt.number(len(change.added))})"),
            Line2D([], [], **LOST, label=f"weggefallen ({fmt.number(len(change.lost))})"),
            Line2D([], [], **KEPT, label=f"unverändert ({fmt.number(len(change.kept))})"),
            Line2D([], [], linestyle="", marker="o", markersize=6, markerfacecolor="white", markeredgecolor="#333333",
                   label=f"hat {change.later} geantwortet"),
            Line2D([], [], linestyle="", marker="s", markersize=6, markerfacecolor="white", markeredgecolor="#333333",
                   label=f"hat {change.later} nicht geantwortet"),
        ]
        key(fig, handles, 3)
        note = (f"Dichte {fmt.number(a.density, 2)} → {fmt.number(b.density, 2)}; "
                f"über Handlungsfelder: {_share(a.cross_sector_share)} → {_share(b.cross_sector_share)}")
        if change.lost_unanswered:
            count = len(change.lost_unanswered)
            note += (f"; {fmt.number(count)} weggefallene {'Kooperation' if count == 1 else 'Kooperationen'} "
                     f"zwischen Akteuren, die {change.later} beide nicht geantwortet haben")
        if not small:
            note += "; beschriftet sind die Akteure mit den meisten Veränderungen, soweit Platz ist"
        head(fig, title, n_text, note + ".")
        # Most changed first, then most connected: they get the free places beside their point.
        moves = {v: sum(1 for t in change.added | change.lost if v in t) for v in union.nodes}
        ranked = sorted(union.nodes, key=lambda v: (-moves[v], -union.degree(v), str(union.nodes[v].get("name", v))))
        wanted = ranked if small else [v for v in ranked if moves[v]][:12]
        radius = {v: math.sqrt(60 if v in changed else 35) / 2 for v in union.nodes}
        place_labels(fig, ax, [PointLabel(v, pos[v], wrap(str(union.nodes[v].get("name", v)), 22, 2), radius[v])
                               for v in wanted],
                     [PointLabel(v, pos[v], "", radius[v]) for v in union.nodes],
                     fontsize=6.5, zorder=5, linespacing=1.1,
                     bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.75, "pad": 0.5})
    return fig


def _share(value: float | None) -> str:
    return "–" if value is None else fmt.percent(100 * value)


# -- trends ----------------------------------------------------------------------------------------


def _format(indicator: Indicator, value: float) -> str:
    return fmt.percent(value, indicator.decimals) if indicator.percent else fmt.number(value, indicator.decimals)


def trend_chart(labels: Sequence[str], indicators: Sequence[Indicator],
                title: str = "Entwicklung über die Befragungen") -> Figure:
    """One small panel per indicator (own scale), the waves on the x axis with n per wave."""
    if not indicators:
        return placeholder(title, "Keine Kennzahlen gewählt.", n_label(0))
    columns = 1 if len(indicators) == 1 else 2
    rows = math.ceil(len(indicators) / columns)
    fig = new_figure(1.3 + 2.25 * rows)
    with style():
        axes = fig.subplots(rows, columns, squeeze=False)
        for ax in axes.flat[len(indicators):]:
            ax.set_axis_off()
        for ax, indicator, marker in zip(axes.flat, indicators, "osD^vP*X", strict=False):  # spare axes stay empty
            xs = list(range(len(labels)))
            values = [v if v is not None else math.nan for v in indicator.values]
            ax.plot(xs, values, color=PALETTE[0], marker=marker, markersize=5, linewidth=1.6)
            known = [v for v in indicator.values if v is not None]
            top = max(known + [0.0])
            if indicator.percent:
                ax.set_ylim(0, 112 if top > 75 else max(top * 1.35, 10))
                ax.yaxis.set_major_formatter(PERCENT)
                ax.yaxis.set_major_locator(FixedLocator([0, 25, 50, 75, 100]) if top > 75 else MaxNLocator(4))
            else:
                ax.set_ylim(0, top * 1.35 if top else 1)
                ax.yaxis.set_major_formatter(FuncFormatter(
                    lambda v, _p, d=indicator.decimals: fmt.number(v, 0 if float(v).is_integer() else d)))
                ax.yaxis.set_major_locator(MaxNLocator(4, integer=indicator.decimals == 0))
            for x, value in zip(xs, indicator.values, strict=True):
                text = "–" if value is None else _format(indicator, value)
                ax.annotate(text, (x, value if value is not None else 0), xytext=(0, 5), textcoords="offset points",
                            ha="center", va="bottom", fontsize=7)
            ax.set_xticks(xs, [f"{label}\nn = {fmt.number(n)}" for label, n in zip(labels, indicator.n, strict=True)],
                          fontsize=7)
            ax.set_xlim(-0.4, len(labels) - 0.6)
            ax.set_title(f"{wrap(indicator.label, 44, 2)}\nn = {wrap(indicator.n_label, 50, 1)}", fontsize=8,
                         loc="left", linespacing=1.3)
            ax.grid(axis="y", color=GRID, linewidth=0.6)
            ax.set_axisbelow(True)
        head(fig, title, f"{fmt.number(len(labels))} Befragungen: {', '.join(labels)}",
             "Je Befragung nur eingereichte Antworten; beendete Angebote zählen nicht.")
    return fig
