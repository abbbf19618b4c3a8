"""The charts of single questions: bars for choices, a histogram for numbers, diverging bars for
Likert scales and matrices, a list for free texts.
"""

from __future__ import annotations

import math
from typing import Any

from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FuncFormatter, MaxNLocator

from questionnaires import formatting as fmt
from questionnaires.kinds import kind_of

from ..privacy import DEFAULT_MIN_GROUP, suppressed_label
from ..statistics import Frequencies, LikertDistribution, NumericSummary, Texts
from .frame import (
    DIVERGING,
    GRID,
    MAX_BARS,
    MAX_TEXTS,
    MUTED,
    NOTICE_BOX,
    NUMBER,
    PALETTE,
    PERCENT,
    PRIMARY,
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
    tick_number,
    tick_plain,
    wrap,
)


def _empty_placeholder(summary: Any, title: str, min_group: int) -> Figure | None:
    """The placeholder for a suppressed or still empty summary; None when there is data to draw."""
    if summary.suppressed:
        return placeholder(title, f"Weniger als {min_group} Antworten – zum Schutz der Antwortenden nicht dargestellt.",
                           n_label(summary.n, True, min_group))
    if summary.n == 0:
        return placeholder(title, "Noch keine Antworten.", n_label(0))
    return None


def bar_chart(summary: Frequencies, min_group: int = DEFAULT_MIN_GROUP) -> Figure:
    """Horizontal bars: percentage of respondents per option, labelled with count and share."""
    title = summary.question.prompt
    empty = _empty_placeholder(summary, title, min_group)
    if empty is not None:
        return empty
    rows = list(summary.rows)
    note = "Mehrfachnennungen möglich; Anteile bezogen auf alle Antwortenden." if summary.multiple else ""
    if len(rows) > MAX_BARS:
        rows = sorted(rows, key=lambda r: -(r.count or 0))[:MAX_BARS]
        note = f"Die {MAX_BARS} häufigsten Nennungen. " + note
    labels = [wrap(r.label) for r in rows]
    line_count = sum(label.count("\n") + 1 for label in labels)
    fig = new_figure(1.3 + 0.2 * line_count + 0.12 * len(rows))
    with style():
        ax = fig.add_subplot()
        positions = range(len(rows))
        values = [r.percent or 0 for r in rows]
        ax.barh(positions, values, color=PRIMARY, height=0.65)
        ax.set_yticks(list(positions), labels)
        ax.invert_yaxis()
        top = max(values + [1])
        ax.set_xlim(0, top * 1.3)
        ax.xaxis.set_major_formatter(PERCENT)
        step = next(s for s in (5, 10, 20, 25) if top / s <= 5)
        ax.set_xticks(range(0, int(min(top, 100)) + 1, step))
        ax.set_xlabel("Anteil der Antwortenden")
        ax.grid(axis="x", color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        ax.tick_params(axis="y", length=0)
        for y, row in zip(positions, rows, strict=True):
            if row.count is None:  # the count is below the limit; no share is shown for it
                text = f"{suppressed_label(min_group)} (–)"
            else:
                text = f"{fmt.number(row.count)} ({fmt.percent(row.percent or 0)})"
            ax.text((row.percent or 0) + top * 0.015, y, text, va="center", fontsize=7.5)
        head(fig, title, n_label(summary.n), note)
    return fig


def histogram(summary: NumericSummary, min_group: int = DEFAULT_MIN_GROUP) -> Figure:
    """Histogram with median marked; the five-number summary in the note."""
    title = summary.question.prompt
    empty = _empty_placeholder(summary, title, min_group)
    if empty is not None:
        return empty
    # shown and answered: every figure of the summary is set
    assert summary.mean is not None and summary.median is not None and summary.q1 is not None
    assert summary.minimum is not None and summary.maximum is not None and summary.q3 is not None
    is_year = kind_of(summary.question).years
    fmt = tick_plain if is_year else tick_number
    values = list(summary.values)
    low, high = min(values), max(values)
    whole = all(float(v).is_integer() for v in values)
    if whole and high - low <= 30:
        bins: Any = [x - 0.5 for x in range(int(low), int(high) + 2)]
    else:
        bins = min(20, max(5, int(math.sqrt(len(values))) + 1))
    fig = new_figure(3.2)
    with style():
        ax = fig.add_subplot()
        ax.hist(values, bins=bins, color=PRIMARY, edgecolor="white", linewidth=0.8)
        ax.axvline(summary.median, color=PALETTE[5], linestyle="--", linewidth=1.2,
                   label=f"Median {fmt(summary.median)}")
        fig.legend(loc="outside lower center", frameon=False)  # below the axes: never over a bar
        ax.xaxis.set_major_formatter(FuncFormatter(fmt))
        ax.xaxis.set_major_locator(MaxNLocator(8, integer=whole))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_formatter(NUMBER)
        ax.set_ylabel("Anzahl")
        ax.set_xlabel("Jahr" if is_year else "Wert")
        ax.grid(axis="y", color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        mean = fmt(round(summary.mean, 1))
        note = (f"Mittelwert {mean} · Median {fmt(summary.median)} · Min. {fmt(summary.minimum)} · "
                f"Max. {fmt(summary.maximum)} · Quartile {fmt(summary.q1)} / {fmt(summary.q3)}")
        head(fig, title, n_label(summary.n), note)
    return fig


def _scale_colours(count: int) -> list[Any]:
    cmap = colormaps[DIVERGING]
    if count == 1:
        return [PRIMARY]
    colours: list[Any] = [cmap(0.1 + 0.8 * i / (count - 1)) for i in range(count)]
    if count % 2:
        colours[count // 2] = "#BDBDBD"  # the neutral midpoint in grey
    return colours


def likert_chart(summary: LikertDistribution, min_group: int = DEFAULT_MIN_GROUP) -> Figure:
    """Diverging stacked bars: the first half of the scale left of zero, the second half right,
    a neutral midpoint (odd scales) centred on zero; "weiß nicht" and similar answers are listed
    beside the bars instead of stacked."""
    title = summary.question.prompt
    empty = _empty_placeholder(summary, title, min_group)
    if empty is not None:
        return empty
    substantive = summary.substantive
    other = [i for i in range(len(summary.scale)) if i not in substantive]
    colours = _scale_colours(len(substantive))
    half = len(substantive) / 2
    labels = [wrap(row.label, 30) if len(summary.rows) > 1 else "" for row in summary.rows]
    lines = sum(max(1, label.count("\n") + 1) for label in labels)
    fig = new_figure(1.9 + 0.22 * lines + 0.1 * len(summary.rows))
    # points per percent on the x axis (-100 … 130): a share is written into its segment only where it fits
    label_room = max([text_width(label, 8) for label in labels if label] + [0])
    per_percent = (WIDTH * 72 - label_room - 30) / 230
    hidden_any = False
    with style():
        ax = fig.add_subplot()
        for y, (counts, n) in enumerate(zip(summary.counts, summary.row_n, strict=True)):
            if n == 0 or all(c is None for c in counts):
                ax.text(0, y, "zu wenige Antworten" if n else "keine Antworten", ha="center", va="center",
                        fontsize=7.5, color="#555555", bbox=NOTICE_BOX)
                continue
            hidden = n - sum(c for c in counts if c is not None)
            base = sum(counts[i] or 0 for i in substantive) + hidden  # "weiß nicht" is not on the scale
            if base == 0:
                ax.text(0, y, "nur „weiß nicht“", ha="center", va="center", fontsize=7.5, color="#555555",
                        bbox=NOTICE_BOX)
                continue
            if all(counts[i] is None for i in substantive if counts[i] != 0):
                ax.text(0, y, f"Werte unterdrückt ({suppressed_label(min_group)})", ha="center", va="center",
                        fontsize=7.5, color="#555555", bbox=NOTICE_BOX)
                continue
            shares = [100 * (counts[i] or 0) / base for i in substantive]
            left = -sum(shares[: int(half)]) - (shares[int(half)] / 2 if len(substantive) % 2 else 0)
            for share, colour in zip(shares, colours, strict=True):
                ax.barh(y, share, left=left, color=colour, height=0.6, edgecolor="white", linewidth=0.5)
                if share * per_percent >= text_width(fmt.percent(share), 7) + 4:
                    ax.text(left + share / 2, y, fmt.percent(share), ha="center", va="center", fontsize=7,
                            color="black")
                left += share
            if any(c is None for c in counts) and hidden:
                hidden_any = True
                share = 100 * hidden / base
                ax.barh(y, share, left=left, color="white", edgecolor=MUTED, hatch="///", height=0.6, linewidth=0.5)
                left += share
            extra = [f"n = {fmt.number(base)}"]
            extra += [f"{summary.scale[i].label}: {fmt.number(counts[i])}" for i in other if counts[i]]
            ax.text(left + 2, y, " · ".join(extra), va="center", fontsize=7, color="#333333")
        ax.axvline(0, color="#333333", linewidth=0.8)
        ax.set_yticks(range(len(summary.rows)), labels)
        ax.set_ylim(len(summary.rows) - 0.5, -0.5)
        ax.set_xlim(-100, 130)
        ax.xaxis.set_major_formatter(PERCENT)
        ax.set_xticks([-100, -50, 0, 50, 100])
        ax.set_xlabel("Anteil der Antworten je Zeile")
        ax.tick_params(axis="y", length=0)
        ax.grid(axis="x", color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        handles = [Patch(facecolor=c, edgecolor="white", label=wrap(summary.scale[i].label, 18, 2))
                   for i, c in zip(substantive, colours, strict=True)]
        if hidden_any:
            handles.append(Patch(facecolor="white", edgecolor=MUTED, hatch="///",
                                 label=f"unterdrückt ({suppressed_label(min_group)})"))
        key(fig, handles, 5)
        note = "Anteile je Zeile, ohne „weiß nicht“ u. Ä."
        if len(substantive) % 2:
            note += "; die Skalenmitte liegt bei 0"
        head(fig, title, n_label(summary.n), note)
    return fig


def text_list(summary: Texts) -> Figure:
    """The free-text answers as a table: identical answers (ignoring case and spaces) once, with
    how often they were given, the most frequent first (the full list is in the export)."""
    title = summary.question.prompt
    if summary.n == 0:
        return placeholder(title, "Noch keine Antworten.", n_label(0))
    counted: dict[str, list[Any]] = {}
    for text in summary.texts:
        key = " ".join(text.split()).casefold()
        counted.setdefault(key, [" ".join(text.split()), 0])[1] += 1
    ranked = sorted(counted.values(), key=lambda item: (-item[1], item[0].casefold()))
    shown = [(fit(text, WIDTH * 72 - 80, 7.5, 3), count) for text, count in ranked[:MAX_TEXTS]]
    lines = sum(line_count(text) for text, _count in shown)
    fig = new_figure(1.25 + 0.15 * lines + 0.07 * len(shown))
    with style():
        ax = fig.add_subplot()
        ax.set_axis_off()
        ax.set_xlim(0, 1)
        ax.set_ylim(lines + 1.2 + 0.5 * len(shown), 0)  # one unit per text line, half a line between answers
        ax.text(0.0, 0.5, "Anzahl", ha="left", va="center", fontsize=7.5, fontweight="bold")
        ax.text(0.1, 0.5, "Antwort", ha="left", va="center", fontsize=7.5, fontweight="bold")
        y = 1.2
        for index, (text, count) in enumerate(shown):
            height = line_count(text) + 0.5
            if index % 2 == 0:
                ax.add_patch(Rectangle((0, y - 0.25), 1, height, facecolor="#F3F5F7", edgecolor="none"))
            ax.text(0.06, y, fmt.number(count), ha="right", va="top", fontsize=7.5)
            ax.text(0.1, y, text, ha="left", va="top", fontsize=7.5, linespacing=1.2)
            y += height
        note = "gleiche Antworten zusammengefasst"
        if len(ranked) > len(shown):
            note += (f"; die {len(shown)} häufigsten von {fmt.number(len(ranked))} verschiedenen Antworten, "
                     "alle im Export")
        head(fig, title, n_label(summary.n), note)
    return fig
