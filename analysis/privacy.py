"""Small-number suppression for analysts without planner rights.

Rule: a count of 1 … `min_group`−1 respondents is suppressed (shown as "< 3"); a whole summary
(chart) based on fewer than `min_group` respondents is suppressed. Zero is shown: it is the gap a
planner looks for and says nothing about one organisation.

Where the counts of a table add up to a known total (single choice, one Likert row), a suppressed
cell could be recomputed from the total; so further cells are suppressed (smallest first) until the
suppressed cells together hold at least `min_group` respondents (complementary suppression). A chart
may then show the suppressed cells as one pooled segment. Multiple-choice counts do not add up to n,
so there a small cell is simply hidden.

Planners see everything (`planner=True`).

Free texts (answers to text questions, "Sonstiges, und zwar: …", free-text fields of offers) are
row-level content: one organisation's own words. Analysts see them (on the page, in the report and
in row downloads) only where the planner shared rows *and* included free texts, and only above
`min_group` respondents (`texts_shown`). Row-level data for analysts is pseudonymised by
`pseudonymise` (names replaced by stored random codes, see `survey/services/pseudonyms.py`),
stripped of the attributes the page filters by (district, sector, provider type: `FILTER_KEYS`,
`row_actors`, `row_graph`), so unfiltered rows cannot single out the one organisation a refused
filter protects, and stripped of free texts by `row_questions` unless they are included.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any, TypeVar, overload

from questionnaires.kinds import KINDS
from questionnaires.model import Question

from . import keys
from .dataset import ActorRecord, Dataset, ResponseRecord
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
    hidden = sum(c for c, r in zip(counts, result, strict=True) if c is not None and r is None)
    if additive and hidden:
        while hidden < min_group:
            candidates = [(c, i) for i, c in enumerate(result) if c]
            if not candidates:
                break
            count, index = min(candidates)
            result[index] = None
            hidden += count
    return result


# suppress() gives back the kind of summary it was given (None for None).
Shown = TypeVar("Shown", bound=Summary)


@overload
def suppress(summary: Shown, min_group: int = ..., planner: bool = ...) -> Shown: ...
@overload
def suppress(summary: None, min_group: int = ..., planner: bool = ...) -> None: ...
def suppress(summary: Shown | None, min_group: int = DEFAULT_MIN_GROUP, planner: bool = False) -> Shown | None:
    """The summary as an analyst without planner rights may see it."""
    if summary is None or planner or min_group <= 1:
        return summary
    if summary.n < min_group and not isinstance(summary, Texts):
        return replace(_blank(summary), suppressed=True)
    if isinstance(summary, Frequencies):
        counts = suppress_counts([r.count for r in summary.rows], min_group, additive=not summary.multiple)
        rows = tuple(
            Count(r.code, r.label, c, r.percent if c is not None else None)
            for r, c in zip(summary.rows, counts, strict=True)
        )
        return replace(summary, rows=rows)
    if isinstance(summary, LikertDistribution):
        rows_shown: list[tuple[int | None, ...]] = []
        for row, n in zip(summary.counts, summary.row_n, strict=True):
            if n < min_group:
                rows_shown.append(tuple(None for _ in row))
            else:
                rows_shown.append(tuple(suppress_counts(row, min_group, additive=True)))
        # mean and median with the shown counts would give the hidden ones away: hidden with them
        # (zip strict=False: a distribution built by hand without means has none to hide)
        hidden = [any(c is None for c in row) for row in rows_shown]
        return replace(summary, counts=tuple(rows_shown),
                       means=tuple(None if h else m for h, m in zip(hidden, summary.means, strict=False)),
                       medians=tuple(None if h else m for h, m in zip(hidden, summary.medians, strict=False)))
    return summary


def _blank(summary: Shown) -> Shown:
    """The summary with every number removed (only the question and n remain)."""
    if isinstance(summary, Frequencies):
        return replace(summary, rows=tuple(Count(r.code, r.label, None, None) for r in summary.rows), other_texts=())
    if isinstance(summary, NumericSummary):
        return replace(summary, mean=None, median=None, minimum=None, maximum=None, q1=None, q3=None, values=(),
                       suppressed=False)
    if isinstance(summary, LikertDistribution):
        return replace(summary, counts=tuple(tuple(None for _ in row) for row in summary.counts),
                       means=tuple(None for _ in summary.means), medians=tuple(None for _ in summary.medians))
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


# -- free texts and row-level data -------------------------------------------------------------------


def is_free_text(question: Question) -> bool:
    """A question (or group field) whose answer is the respondent's own words."""
    kind = KINDS.get(question.kind)
    return kind is not None and kind.free_text


def texts_shown(n: int, free_text: bool, min_group: int = DEFAULT_MIN_GROUP, planner: bool = False) -> bool:
    """May a viewer see free texts of `n` respondents? Planners always; analysts only where the
    planner included free texts in what is shared, and only from `min_group` respondents."""
    return planner or (free_text and n >= min_group)


# The organisation's attributes the results page filters by. Analysts' row-level data never carries
# them: otherwise the unfiltered rows would single out the one organisation of a district (or
# sector) that the refused filter protects. In rows an analyst gets them only through the filter,
# which must leave at least `min_group` organisations.
FILTER_KEYS = frozenset({keys.DISTRICTS, keys.SECTOR, keys.PROVIDER_TYPE})
FILTER_NODE_ATTRIBUTES = ("sector", "sector_label", "provider_type", "districts")


def row_questions(questions: Sequence[Question], free_text: bool) -> tuple[Question, ...]:
    """The questions of analysts' row exports: without the filter attributes (`FILTER_KEYS`), and
    without free-text questions, "Sonstiges" texts and free-text fields of groups, unless the
    planner included free texts."""
    questions = [q for q in questions if q.key not in FILTER_KEYS]
    if free_text:
        return tuple(questions)
    kept = []
    for question in questions:
        if is_free_text(question):
            continue
        fields = tuple(replace(f, other=False) for f in question.fields if not is_free_text(f))
        kept.append(replace(question, other=False, fields=fields))
    return tuple(kept)


def row_actors(actors: Iterable[ActorRecord]) -> tuple[ActorRecord, ...]:
    """The actors list as analysts get it: codes only, without the filter attributes."""
    return tuple(ActorRecord(a.code, a.name) for a in actors)


def row_graph(graph: Any) -> Any:
    """A copy of the partner network for analysts' row downloads (edge list, GraphML): the nodes
    without the filter attributes (`FILTER_NODE_ATTRIBUTES`)."""
    graph = graph.copy()
    for _node, data in graph.nodes(data=True):
        for name in FILTER_NODE_ATTRIBUTES:
            data.pop(name, None)
    return graph


def _roster_keys(questions: Sequence[Question]) -> set[str]:
    return {q.key for q in questions if q.kind in KINDS and KINDS[q.kind].partners}


def pseudonymise_record(record: ResponseRecord, organisation: str, actor_code: Callable[[str], str | None],
                        name_code: Callable[[str], str], rosters: Iterable[str]) -> ResponseRecord:
    """`record` with the organisation's code instead of its name, register codes replaced by
    pseudonyms (`actor_code`) and partners named by a typed name replaced by theirs (`name_code`)."""
    values: dict[str, Any] | None = None  # a copy, made at the first roster answered
    for key in rosters:
        entries = record.values.get(key)
        if not entries:
            continue
        if values is None:
            values = dict(record.values)
        replaced = []
        for given in entries:
            entry = dict(given)
            actor = str(entry.get(keys.PARTNER_ACTOR) or "").strip()
            name = str(entry.get(keys.PARTNER_NAME) or "").strip()
            code = actor_code(actor) if actor else (name_code(name) if name else None)
            entry[keys.PARTNER_ACTOR] = code if actor else None
            entry[keys.PARTNER_NAME] = code
            replaced.append(entry)
        values[key] = replaced
    return replace(record, organisation=organisation,
                   actor=actor_code(record.actor) if record.actor else None,
                   values=record.values if values is None else values)


def pseudonymise(dataset: Dataset, organisations: Mapping[int, str], actor_codes: Mapping[str, str],
                 name_code: Callable[[str], str]) -> Dataset:
    """The dataset as analysts get it: each response's organisation is its code
    (`organisations`: response id → code), register actors are known only by their codes (code and
    name), and the partner roster names partners by code."""
    def actor_code(code: str) -> str | None:
        return actor_codes.get(code)

    rosters = _roster_keys(dataset.questions)
    responses = tuple(pseudonymise_record(r, organisations[r.id], actor_code, name_code, rosters)
                      for r in dataset.responses)
    actors = tuple(replace(a, code=actor_codes[a.code], name=actor_codes[a.code]) for a in dataset.actors)
    invitations = tuple(replace(i, actor=actor_code(i.actor) if i.actor else None) for i in dataset.invitations)
    return replace(dataset, responses=responses, actors=actors, invitations=invitations)
