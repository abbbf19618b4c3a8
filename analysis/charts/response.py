"""The response over time: submissions per day and their running total against the invited."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

from matplotlib.dates import DateFormatter, DayLocator
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from questionnaires import formatting as fmt

from ..overview import DayPoint
from .frame import GRID, MUTED, NUMBER, PERCENT, PRIMARY, head, n_label, new_figure, placeholder, style


def response_over_time(points: Sequence[DayPoint], invited: int = 0, title: str = "Rücklauf im Zeitverlauf") -> Figure:
    """Cumulative submissions per day; the response rate on the right axis when invited is known."""
    if not points:
        return placeholder(title, "Noch keine eingereichten Antworten.", n_label(0))
    fig = new_figure(3.0)
    with style():
        ax = fig.add_subplot()
        # dates: matplotlib converts them itself (its units), though its stubs name numbers only
        days: list[Any] = [p.day for p in points] + [points[-1].day + dt.timedelta(days=1)]
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

            def to_percent(count: Any) -> Any:  # numbers or numpy arrays
                return 100 * count / invited

            def to_count(percent: Any) -> Any:
                return percent * invited / 100

            right = ax.secondary_yaxis("right", functions=(to_percent, to_count))
            right.yaxis.set_major_formatter(PERCENT)
            right.set_ylabel("Rücklaufquote")
        n_text = f"n = {fmt.number(totals[-1])}" + (f" von {fmt.number(invited)}" if invited else "")
        head(fig, title, n_text)
    return fig
