"""What every chart shares: size and palette, the matplotlib style, German tick labels, wrapping and
fitting text to its space, title and "n = …", placeholders and rendering to PNG/SVG bytes.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import matplotlib
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.layout_engine import ConstrainedLayoutEngine, TightLayoutEngine
from matplotlib.textpath import text_to_path
from matplotlib.ticker import FuncFormatter
from matplotlib.typing import RcKeyType

from questionnaires import formatting as fmt

from ..privacy import DEFAULT_MIN_GROUP, suppressed_label

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


RC: dict[RcKeyType, Any] = {
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


def tick_number(value: float, _pos: Any = None) -> str:
    return fmt.number(value, 0 if float(value).is_integer() else 1)


def tick_percent(value: float, _pos: Any = None) -> str:
    return fmt.percent(abs(value))


def tick_plain(value: float, _pos: Any = None) -> str:
    return fmt.plain(value, 0 if float(value).is_integer() else 1)


NUMBER = FuncFormatter(tick_number)


PERCENT = FuncFormatter(tick_percent)


PLAIN = FuncFormatter(tick_plain)  # years: no thousands separator


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
    if isinstance(engine, (ConstrainedLayoutEngine, TightLayoutEngine)):  # the engines that take a rect
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
