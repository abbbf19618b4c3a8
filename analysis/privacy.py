"""Small-number suppression for analysts without planner rights.

Rule: a count of 1 … `min_group`−1 respondents is suppressed (shown as "< 3"); a whole summary
(chart) based on fewer than `min_group` respondents is suppressed. Zero is shown: it is the gap a
planner looks for and says nothing about one organisation.

Where the counts of a table add up to a known total (single choice, one Likert row), a suppressed
cell could be recomputed from the total; so further cells are suppressed (smallest first) until the
suppressed cells together hold at least `min_group` respondents (complementary suppression). A chart
may then show the suppressed cells as one pooled segment. Multiple-choice counts do not add up to n,
so there a small cell is simply hidden.

Planners see everything (`planner=True`). Free texts are not suppressed: they are qualitative by
intent, and the question catalogue does not ask for personal data in them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from .statistics import Count, Frequencies, LikertDistribution, NumericSummary, Summary, Texts

DEFAULT_MIN_GROUP = 3


def suppressed_label(min_group: int = DEFAULT_MIN_GROUP) -> str:
    return f"< {min_group}"


def is_small(count: int | None, min_group: int = DEFAULT_MIN_GROUP) -> bool:
    return count is not None and 0 < count < min_group


def suppress_counts(
    counts: Sequence[int | None], min_group: int = DEFAULT_MIN_GROUP, additive: bool = False
) -> list[int | None]:
    """Counts with small cells replaced by None.

    `additive`: the counts sum to a known total, so hidden cells could be recomputed from it; then
    further cells (smallest non-zero first) are hidden until the hidden cells together hold at
    least `min_group` respondents (or everything is hidden).
    """
    result = [None if is_small(c, min_group) else c for c in counts]
    hidden = sum(c for c, r in zip(counts, result) if c is not None and r is None)
    if additive and hidden:
        while hidden < min_group:
            candidates = [(c, i) for i, c in enumerate(result) if c]
            if not candidates:
                break
            count, index = min(candidates)
            result[index] = None
            hidden += count
    return result


def suppress(summary: Summary | None, min_group: int = DEFAULT_MIN_GROUP, planner: bool = False) -> Summary | None:
    """The summary as an analyst without planner rights may see it."""
    if summary is None or planner or min_group <= 1:
        return summary
    if summary.n < min_group and not isinstance(summary, Texts):
        summary = _blank(summary)
        return replace(summary, suppressed=True)
    if isinstance(summary, Frequencies):
        counts = suppress_counts([r.count for r in summary.rows], min_group, additive=not summary.multiple)
        rows = tuple(
            Count(r.code, r.label, c, r.percent if c is not None else None) for r, c in zip(summary.rows, counts)
        )
        return replace(summary, rows=rows)
    if isinstance(summary, LikertDistribution):
        counts = []
        for row, n in zip(summary.counts, summary.row_n):
            if n < min_group:
                counts.append(tuple(None for _ in row))
            else:
                counts.append(tuple(suppress_counts(row, min_group, additive=True)))
        return replace(summary, counts=tuple(counts))
    return summary


def _blank(summary: Summary) -> Summary:
    """The summary with every number removed (only the question and n remain)."""
    if isinstance(summary, Frequencies):
        return replace(summary, rows=tuple(Count(r.code, r.label, None, None) for r in summary.rows), other_texts=())
    if isinstance(summary, NumericSummary):
        return NumericSummary(summary.question, summary.n, summary.missing, None, None, None, None, None, None)
    if isinstance(summary, LikertDistribution):
        return replace(summary, counts=tuple(tuple(None for _ in row) for row in summary.counts))
    return summary


def suppress_table(
    rows: Iterable[Sequence[Any]],
    count_columns: Iterable[int],
    min_group: int = DEFAULT_MIN_GROUP,
    planner: bool = False,
) -> list[list[Any]]:
    """A table (list of rows) with small counts in `count_columns` replaced by "< 3" for export."""
    columns = set(count_columns)
    label = suppressed_label(min_group)
    result = []
    for row in rows:
        result.append([
            label if (not planner and i in columns and isinstance(v, int) and is_small(v, min_group)) else v
            for i, v in enumerate(row)
        ])
    return result
