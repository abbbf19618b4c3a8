"""Charts as matplotlib `Figure`s (never pyplot): German labels, decimal comma, one palette.

Every chart states its question in the (wrapped) title and "n = …" at the top right, is sized for
A4 width (16 cm) and is turned into bytes with `render(fig, "png" | "svg")`. Marks never rely on
colour alone: coverage gaps are hatched and labelled "Lücke", dense cells get a thick frame, and
respondents and non-responding partners have different marker shapes.

No pyplot and no global backend switch: `Figure.savefig` renders PNG through Agg by itself, so the
module is safe inside a web worker and leaves a notebook's backend alone.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import textwrap
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import matplotlib
import networkx as nx
from matplotlib import colormaps
from matplotlib.collections import LineCollection
from matplotlib.dates import DateFormatter, DayLocator
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.transforms import Bbox
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import text_to_path
from matplotlib.ticker import FuncFormatter, MaxNLocator
from questionnaires import formatting as fmt
from questionnaires.kinds import KINDS, NO_CHART, kind_of
from questionnaires.model import Question

from . import coverage as coverage_mod
from . import keys
from . import network as network_mod
from .dataset import Dataset
from .overview import DayPoint
from .privacy import DEFAULT_MIN_GROUP, suppress, suppressed_label
from .statistics import Frequencies, LikertDistribution, NumericSummary, Texts, summarise

WIDTH = 16 / 2.54  # inches: A4 text width
DPI = 150
TITLE_WIDTH = 66  # characters per title line (bold 10 pt on 16 cm)
SUBTITLE_WIDTH = 100  # characters per subtitle line (7.5 pt)
LABEL_WIDTH = 34  # characters per category label line
MAX_BARS = 20
MAX_TEXTS = 25
LABEL_ALL_NODES_UP_TO = 25
LABELLED_NODES = 12
LAYOUT_SEED = 7

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
PRIMARY = PALETTE[0]
MUTED = "#8C8C8C"
GRID = "#DDDDDD"
NOTICE_BOX = {"facecolor": "white", "edgecolor": "none", "pad": 2}
HEAT = "Blues"
DIVERGING = "PuOr"
RC = {
    "font.family": "DejaVu Sans",
    "font.size": 8.5,
    "axes.titlesize": 9,
    "axes.labelsize": 8.5,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 7.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#555555",
    "hatch.linewidth": 0.6,
    "svg.hashsalt": "lueckenlos",
    "svg.fonttype": "none",  # real text in SVG: searchable, selectable, read by screen readers
    "text.parse_math": False,  # answers and labels may contain "$": never read them as TeX
}


@contextmanager
def style() -> Iterator[None]:
    with matplotlib.rc_context(RC):
        yield


# -- numbers in German notation ---------------------------------------------------------------------


def _tick_number(value: float, _pos: Any = None) -> str:
    return fmt.number(value, 0 if float(value).is_integer() else 1)


def _tick_percent(value: float, _pos: Any = None) -> str:
    return fmt.percent(abs(value))


def _tick_plain(value: float, _pos: Any = None) -> str:
    return fmt.plain(value, 0 if float(value).is_integer() else 1)


NUMBER = FuncFormatter(_tick_number)
PERCENT = FuncFormatter(_tick_percent)
PLAIN = FuncFormatter(_tick_plain)  # years: no thousands separator


def wrap(text: str, width: int = LABEL_WIDTH, lines: int = 3) -> str:
    """`text` in lines of about `width` characters, broken only between words or after a hyphen.

    A word longer than `width` stays whole on its own line ("Kindertagesbetreuung", never
    "Kindertagesbetreuu ng"); text beyond `lines` lines ends in " …".
    """
    longest = max((len(word) for word in text.split()), default=0)
    wrapped = textwrap.wrap(text, max(width, longest + 2), max_lines=lines, placeholder=" …", break_long_words=False,
                            break_on_hyphens=True)
    return "\n".join(wrapped) or text


def text_width(text: str, size: float = 8, bold: bool = False) -> float:
    """The width in points of the widest line of `text` in the chart font."""
    prop = FontProperties(family="DejaVu Sans", size=size, weight="bold" if bold else "normal")
    return max(text_to_path.get_text_width_height_descent(line or " ", prop, ismath=False)[0]
               for line in text.split("\n"))


def fit(text: str, width: float, size: float = 8, lines: int = 2) -> str:
    """`text` wrapped at word boundaries into at most `lines` lines of at most `width` points (a
    single word longer than that stays whole)."""
    chars = max(8, int(width / (size * 0.45)))
    while True:
        wrapped = wrap(text, chars, lines)
        if chars <= 8 or text_width(wrapped, size) <= width:
            return wrapped
        chars -= 2


def line_count(text: str) -> int:
    return text.count("\n") + 1


def key(fig: Figure, handles: Sequence[Any], most: int = 3) -> Any:
    """The legend below the plot, in as many columns (at most `most`) as fit the figure width."""
    widest = max(text_width(h.get_label(), RC["legend.fontsize"]) for h in handles)
    columns = max(1, min(most, len(handles), int((WIDTH * 72 - 16) // (widest + 34))))
    return fig.legend(handles=handles, loc="outside lower center", ncol=columns, frameon=False)


# -- figure scaffolding ----------------------------------------------------------------------------


def new_figure(height: float) -> Figure:
    with style():
        return Figure(figsize=(WIDTH, max(2.2, min(height, 9.5))), layout="constrained")


TITLE_SIZE = 10
SUBTITLE_SIZE = 7.5


def head(fig: Figure, title: str, n_text: str, note: str = "", subtitle_lines: int = 1) -> None:
    """The wrapped title (the question) and below it one subtitle "n = … · note".

    Both are figure texts at the top; the constrained layout is told to keep the plots, their labels
    and legends below them (its `rect`), so nothing is drawn over the title whatever the chart.
    `subtitle_lines` reserves room for a subtitle that is completed later (at most 3 lines).
    """
    title_text = wrap(title, TITLE_WIDTH, 4)
    subtitle = wrap(f"{n_text} · {note}" if note else n_text, SUBTITLE_WIDTH, 3)
    title_lines, subtitle_lines = title_text.count("\n") + 1, max(subtitle_lines, subtitle.count("\n") + 1)
    height = fig.get_figheight() * 72  # points
    title_top = 4
    subtitle_top = title_top + title_lines * TITLE_SIZE * 1.2 + 3
    bottom = subtitle_top + subtitle_lines * SUBTITLE_SIZE * 1.2 + 6
    with style():
        fig.text(0.01, 1 - title_top / height, title_text, ha="left", va="top", fontsize=TITLE_SIZE,
                 fontweight="bold", linespacing=1.2)
        fig.text(0.01, 1 - subtitle_top / height, subtitle, ha="left", va="top", fontsize=SUBTITLE_SIZE,
                 color="#444444", linespacing=1.2)
    engine = fig.get_layout_engine()
    if engine is not None and hasattr(engine, "set"):
        engine.set(rect=(0, 0, 1, 1 - bottom / height))


def n_label(n: int, suppressed: bool = False, min_group: int = DEFAULT_MIN_GROUP) -> str:
    return f"n {suppressed_label(min_group)}" if suppressed else f"n = {fmt.number(n)}"


def placeholder(title: str, message: str, n_text: str) -> Figure:
    """A chart-sized notice instead of a chart (no answers yet, or suppressed)."""
    fig = new_figure(2.2)
    with style():
        ax = fig.add_subplot()
        ax.set_axis_off()
        ax.text(0.5, 0.5, wrap(message, 70), ha="center", va="center", fontsize=9, color="#444444",
                transform=ax.transAxes)
        head(fig, title, n_text)
    return fig


def render(fig: Figure, fmt: str = "png") -> bytes:
    """The figure as PNG or SVG bytes."""
    if fmt not in ("png", "svg", "pdf"):
        raise ValueError(f"unknown chart format {fmt!r}")
    buffer = io.BytesIO()
    with style():
        fig.savefig(buffer, format=fmt, dpi=DPI, metadata={"Software": None} if fmt == "png" else None)
    return buffer.getvalue()


# -- frequencies -----------------------------------------------------------------------------------


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
        for y, row in zip(positions, rows):
            if row.count is None:  # the count is below the limit; no share is shown for it
                text = f"{suppressed_label(min_group)} (–)"
            else:
                text = f"{fmt.number(row.count)} ({fmt.percent(row.percent or 0)})"
            ax.text((row.percent or 0) + top * 0.015, y, text, va="center", fontsize=7.5)
        head(fig, title, n_label(summary.n), note)
    return fig


# -- numbers ---------------------------------------------------------------------------------------


def histogram(summary: NumericSummary, min_group: int = DEFAULT_MIN_GROUP) -> Figure:
    """Histogram with median marked; the five-number summary in the note."""
    title = summary.question.prompt
    empty = _empty_placeholder(summary, title, min_group)
    if empty is not None:
        return empty
    is_year = kind_of(summary.question).years
    fmt = _tick_plain if is_year else _tick_number
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


# -- Likert and matrix -----------------------------------------------------------------------------


def _scale_colours(count: int) -> list[Any]:
    cmap = colormaps[DIVERGING]
    if count == 1:
        return [PRIMARY]
    colours = [cmap(0.1 + 0.8 * i / (count - 1)) for i in range(count)]
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
        for y, (counts, n) in enumerate(zip(summary.counts, summary.row_n)):
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
            for share, colour in zip(shares, colours):
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
                   for i, c in zip(substantive, colours)]
        if hidden_any:
            handles.append(Patch(facecolor="white", edgecolor=MUTED, hatch="///",
                                 label=f"unterdrückt ({suppressed_label(min_group)})"))
        key(fig, handles, 5)
        note = "Anteile je Zeile, ohne „weiß nicht“ u. Ä."
        if len(substantive) % 2:
            note += "; die Skalenmitte liegt bei 0"
        head(fig, title, n_label(summary.n), note)
    return fig


# -- texts -----------------------------------------------------------------------------------------


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


# -- response over time ----------------------------------------------------------------------------


def response_over_time(points: Sequence[DayPoint], invited: int = 0, title: str = "Rücklauf im Zeitverlauf") -> Figure:
    """Cumulative submissions per day; the response rate on the right axis when invited is known."""
    if not points:
        return placeholder(title, "Noch keine eingereichten Antworten.", n_label(0))
    fig = new_figure(3.0)
    with style():
        ax = fig.add_subplot()
        days = [p.day for p in points] + [points[-1].day + dt.timedelta(days=1)]
        totals = [p.submitted for p in points] + [points[-1].submitted]
        ax.step(days, totals, where="post", color=PRIMARY, linewidth=1.8)
        ax.fill_between(days, totals, step="post", color=PRIMARY, alpha=0.12)
        ax.set_ylabel("Eingereicht (kumuliert)")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_formatter(NUMBER)
        ax.set_ylim(0, max(max(totals), invited) * 1.08 or 1)
        ax.xaxis.set_major_formatter(DateFormatter("%d.%m."))
        ax.xaxis.set_major_locator(DayLocator(interval=max(1, math.ceil(len(days) / 8))))
        ax.set_xlim(days[0], days[-1])
        ax.set_xlabel("Tag")
        ax.grid(axis="y", color=GRID, linewidth=0.6)
        if invited:
            ax.axhline(invited, color=MUTED, linestyle=":", linewidth=1)
            ax.text(days[0], invited, f" eingeladen: {fmt.number(invited)}", va="bottom", fontsize=7.5, color="#444444")
            right = ax.secondary_yaxis("right", functions=(lambda v: 100 * v / invited, lambda p: p * invited / 100))
            right.yaxis.set_major_formatter(PERCENT)
            right.set_ylabel("Rücklaufquote")
        n_text = f"n = {fmt.number(totals[-1])}" + (f" von {fmt.number(invited)}" if invited else "")
        head(fig, title, n_text)
    return fig


# -- heatmaps --------------------------------------------------------------------------------------


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
        note = f"{fmt.number(matrix.offers)} Angebote von {fmt.number(matrix.respondents)} Einrichtungen; ein Angebot zählt in jeder Zelle, zu der es gehört."
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
        if matrix.cross_share is not None:
            note += f"; über Handlungsfelder hinweg: {fmt.percent(100 * matrix.cross_share)} der Kooperationen"
            note += " mit bekanntem Handlungsfeld beider Seiten"
        head(fig, title, f"n = {fmt.number(matrix.ties)} Kooperationen", note)
    return fig


# -- network ---------------------------------------------------------------------------------------


ISOLATES_LABELLED = 12  # isolated actors are named below the drawing up to this many


def _layout(graph: nx.Graph) -> dict[Any, Any]:
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


def network_chart(graph: nx.DiGraph, dataset: Dataset | None = None,
                  title: str = "Kooperationsnetzwerk") -> Figure:
    """Spring layout (fixed seed); colour (and beyond seven sectors hatching) = sector, size = ties,
    circle = answered, square = named partner who did not answer; thick lines = mutual ties.

    Up to `LABEL_ALL_NODES_UP_TO` actors every actor is named beside its point, else the best
    connected are numbered and named in a key; labels are placed most central first where they
    cover nothing (`place_labels`)."""
    ties = network_mod.undirected(graph)
    if ties.number_of_nodes() == 0:
        return placeholder(title, "Keine Kooperationsangaben.", n_label(0))
    pos = _layout(ties)
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
        ax.update_datalim([p for p in pos.values()])
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


# -- defaults --------------------------------------------------------------------------------------


def summary_chart(summary: Any, min_group: int = DEFAULT_MIN_GROUP) -> Figure | None:
    """The chart of a (possibly suppressed) summary."""
    if isinstance(summary, Frequencies):
        return bar_chart(summary, min_group)
    if isinstance(summary, NumericSummary):
        return histogram(summary, min_group)
    if isinstance(summary, LikertDistribution):
        return likert_chart(summary, min_group)
    if isinstance(summary, Texts):
        return text_list(summary)
    return None


# The charts a kind may name as its `Kind.chart` (`NO_CHART`: none); `default_chart` adds the two
# drawings of whole questions.
CHARTS: dict[str, Callable[[Any, int], Figure]] = {
    "bars": bar_chart,
    "histogram": histogram,
    "likert": likert_chart,
    "texts": lambda summary, min_group: text_list(summary),
}
COVERAGE, NETWORK = "coverage", "network"


def default_chart(question: Question) -> str:
    """The name of a question's default chart: its kind's (`Kind.chart`), except that the offers
    group gets the coverage heatmap and the partner roster the network drawing (`COVERAGE`,
    `NETWORK`). The one router of default charts: `chart_for` and the results page ask it."""
    if question.key == keys.OFFERS:
        return COVERAGE
    if question.key == keys.PARTNERS:
        return NETWORK
    kind = KINDS.get(question.kind)
    return kind.chart if kind else NO_CHART


def chart_for(dataset: Dataset, question: Question, *, min_group: int = DEFAULT_MIN_GROUP,
              planner: bool = False) -> Figure | None:
    """The default chart of a question (`default_chart`); None when there is none.

    `planner=False` applies small-number suppression.
    """
    chart = default_chart(question)
    if chart == COVERAGE:
        return coverage_heatmap(coverage_mod.phase_by_district(dataset))
    if chart == NETWORK:
        return network_chart(network_mod.build_graph(dataset), dataset)
    summary = summarise(dataset, question)
    if chart not in CHARTS or summary is None:
        return None
    return CHARTS[chart](suppress(summary, min_group, planner), min_group)
