"""Comparing survey waves: the same inventory repeated, and how the prevention chain changed.

Everything takes a sequence of `Wave`s in chronological order (oldest first). Questions are matched
by key (keys are stable across waves), answer options by code. Only submitted responses count.

Decisions (stated once, here):

* Percentages are shares of the respondents who answered the question in that wave (as in
  `statistics`); a change is given in percentage points (pp) between consecutive waves and from
  the first to the last wave. An option that a wave did not offer has no value there ("–") and no
  change.
* Offers are matched across waves by the respondent's actor code (or, without one, its normalised
  organisation name) plus the normalised offer name (`statistics.normalise_entry`). An offer entry
  whose field `status` is "beendet" has ended: it counts as ended and is left out of that wave's
  coverage matrix. Between an earlier and a later wave an offer is
  - *new* when it is active in the later wave and was not active in the earlier one;
  - *ended* when it was active earlier and the later wave marks it "beendet" or its organisation
    answered again without it;
  - *not reported* when its organisation did not answer the later wave: we cannot know, so it is
    neither ended nor continued (and the coverage matrix of the later wave misses it).
* Coverage cells are compared on the union of life phases and districts; a cell takes part only
  when both waves know its phase and district. A gap closes when a cell goes from 0 to more than 0
  offers and opens the other way round; the column "ohne Stadtteilangabe" has no gaps.
* Network ties are undirected pairs of node ids (`network.undirected`). A tie is *lost* when the
  later wave does not have it; `lost_unanswered` is the part of those where neither actor answered
  the later wave, so nobody could name it again.
* Degree centralisation is Freeman's: Σ (max degree − degree) / ((n−1)(n−2)) over all actors of
  the tie graph (1 for a star, 0 when every actor has the same number of ties; undefined below 3
  actors).
* Response rate per wave = `overview.overview(invitations).response_rate`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import networkx as nx
from questionnaires.kinds import CHOICE, ENTRIES, NUMBER, Likert, kind_of
from questionnaires.model import Option, Question

from . import coverage as coverage_mod
from . import export, keys
from . import network as network_mod
from . import overview as overview_mod
from .dataset import Dataset, ResponseRecord
from .privacy import DEFAULT_MIN_GROUP, suppress
from .statistics import (
    Count,
    Frequencies,
    NumericSummary,
    entry_count_summary,
    frequencies,
    likert_distribution,
    normalise_entry,
    numeric_summary,
)

OFFER_STATUS = keys.OFFER_STATUS
OFFER_ENDED = keys.OFFER_ENDED
DASH = "–"


@dataclass(frozen=True)
class Wave:
    """One wave of a series: a label such as "2025" and its dataset."""

    label: str
    dataset: Dataset


def _submitted(wave: Wave) -> Dataset:
    return wave.dataset.submitted()


def _check(waves: Sequence[Wave], minimum: int = 2) -> None:
    if len(waves) < minimum:
        raise ValueError(f"at least {minimum} waves are needed, got {len(waves)}")


def _labels(waves: Sequence[Wave]) -> tuple[str, ...]:
    return tuple(w.label for w in waves)


def _diff(a: float | None, b: float | None) -> float | None:
    return b - a if a is not None and b is not None else None


def _steps(values: Sequence[float | None]) -> tuple[float | None, ...]:
    return tuple(_diff(a, b) for a, b in zip(values, values[1:]))


# -- questions -----------------------------------------------------------------------------------


def common_keys(waves: Sequence[Wave]) -> list[str]:
    """Keys of the top-level questions asked in every wave, in the order of the last wave."""
    asked = [{q.key for q in w.dataset.questions} for w in waves]
    return [q.key for q in waves[-1].dataset.questions if all(q.key in keys_ for keys_ in asked)]


@dataclass(frozen=True)
class OptionRow:
    """One answer option across waves; `present[i]` is False where wave i did not offer it."""

    code: str
    label: str
    present: tuple[bool, ...]
    counts: tuple[int | None, ...]  # None: not offered, or suppressed
    percents: tuple[float | None, ...]

    @property
    def changes(self) -> tuple[float | None, ...]:
        """Percentage points from each wave to the next (None where either side has no value)."""
        return _steps(self.percents)

    @property
    def change(self) -> float | None:
        """Percentage points from the first to the last wave."""
        return _diff(self.percents[0], self.percents[-1])


@dataclass(frozen=True)
class FrequencyComparison:
    """A choice question (or one row of a matrix) in every wave, options matched by code."""

    key: str
    prompt: str
    labels: tuple[str, ...]  # wave labels
    n: tuple[int, ...]  # respondents who answered, per wave
    rows: tuple[OptionRow, ...]
    multiple: bool = False
    suppressed: tuple[bool, ...] = ()


@dataclass(frozen=True)
class NumericComparison:
    """A number or year question (or the entries per respondent of a group) in every wave."""

    key: str
    prompt: str
    labels: tuple[str, ...]
    summaries: tuple[NumericSummary, ...]

    @property
    def n(self) -> tuple[int, ...]:
        return tuple(s.n for s in self.summaries)

    @property
    def means(self) -> tuple[float | None, ...]:
        return tuple(s.mean for s in self.summaries)

    @property
    def medians(self) -> tuple[float | None, ...]:
        return tuple(s.median for s in self.summaries)

    @property
    def mean_changes(self) -> tuple[float | None, ...]:
        return _steps(self.means)

    @property
    def median_changes(self) -> tuple[float | None, ...]:
        return _steps(self.medians)

    @property
    def mean_change(self) -> float | None:
        return _diff(self.means[0], self.means[-1])

    @property
    def median_change(self) -> float | None:
        return _diff(self.medians[0], self.medians[-1])


Comparison = FrequencyComparison | NumericComparison


def _frequency_comparison(key: str, prompt: str, labels: tuple[str, ...], per_wave: Sequence[Frequencies],
                          multiple: bool) -> FrequencyComparison:
    codes: dict[str, str] = {}
    for summary in per_wave:
        for row in summary.rows:
            codes.setdefault(row.code, row.label)
    for summary in per_wave:  # the newest wording of each option
        for row in summary.rows:
            codes[row.code] = row.label
    rows = []
    for code, label in codes.items():
        cells: list[Count | None] = [next((r for r in s.rows if r.code == code), None) for s in per_wave]
        rows.append(OptionRow(
            code=code,
            label=label,
            present=tuple(c is not None for c in cells),
            counts=tuple(c.count if c else None for c in cells),
            percents=tuple(c.percent if c else None for c in cells),
        ))
    return FrequencyComparison(key, prompt, labels, tuple(s.n for s in per_wave), tuple(rows), multiple,
                               tuple(s.suppressed for s in per_wave))


def _matrix_rows(dataset: Dataset, question: Question) -> list[Frequencies]:
    """One frequency table per matrix row (shares of the respondents who rated that row)."""
    dist = likert_distribution(dataset, question)
    tables = []
    for item, counts, n in zip(dist.rows, dist.counts, dist.row_n):
        sub = replace(question, key=f"{question.key}/{item.code}", kind=Likert.name, prompt=item.label, items=())
        rows = tuple(Count(o.code, o.label, c, 100.0 * c / n if n and c is not None else None)
                     for o, c in zip(question.options, counts))
        tables.append(Frequencies(sub, n, len(dataset.responses) - n, rows))
    return tables


def _options(question: Question) -> bool:
    """A choice question with one answer row (compared by option shares)."""
    kind = kind_of(question)
    return kind.family == CHOICE and not kind.needs_items


def _rows(question: Question) -> bool:
    """A choice question with rows (a matrix: compared row by row)."""
    kind = kind_of(question)
    return kind.family == CHOICE and kind.needs_items


def compare_question(waves: Sequence[Wave], key: str, *, min_group: int = DEFAULT_MIN_GROUP,
                     planner: bool = False) -> list[Comparison]:
    """The comparison(s) of question `key` across the waves (a matrix gives one per row).

    Empty for kinds without a comparison (texts, lists, dates) or when a wave lacks the question.
    `planner=False` applies the small-number suppression of `privacy` to each wave first.
    """
    _check(waves)
    data = [_submitted(w) for w in waves]
    questions = [d.question(key) for d in data]
    if any(q is None for q in questions):
        return []
    last: Question = questions[-1]  # type: ignore[assignment]
    labels = _labels(waves)
    kind = last.kind
    if all(_options(q) for q in questions):  # type: ignore[arg-type]
        per_wave = [suppress(frequencies(d, q), min_group, planner) for d, q in zip(data, questions)]
        return [_frequency_comparison(key, last.prompt, labels, per_wave,  # type: ignore[arg-type]
                                      multiple=kind_of(last).multiple or kind_of(last).districts)]
    if all(_rows(q) for q in questions):  # type: ignore[arg-type]
        tables = [[suppress(t, min_group, planner) for t in _matrix_rows(d, q)]  # type: ignore[arg-type]
                  for d, q in zip(data, questions)]
        result = []
        for item in last.items:
            per_wave = [next((t for t in wave if t.question.key == f"{key}/{item.code}"), None) for wave in tables]
            if any(t is None for t in per_wave):
                continue  # a row that not every wave asked
            result.append(_frequency_comparison(f"{key}/{item.code}", f"{last.prompt} – {item.label}", labels,
                                                per_wave, multiple=False))  # type: ignore[arg-type]
        return result
    if all(kind_of(q).family == NUMBER for q in questions):  # type: ignore[arg-type]
        summaries = tuple(suppress(numeric_summary(d, q), min_group, planner) for d, q in zip(data, questions))
        return [NumericComparison(key, last.prompt, labels, summaries)]  # type: ignore[arg-type]
    if kind_of(last).family == ENTRIES and all(q.kind == kind for q in questions):  # type: ignore[union-attr]
        summaries = tuple(suppress(entry_count_summary(_active(d), q), min_group, planner)
                          for d, q in zip(data, questions))
        prompt = f"{last.prompt} (Zahl der Einträge)"
        return [NumericComparison(key, prompt, labels, summaries)]  # type: ignore[arg-type]
    return []


def compare_questions(waves: Sequence[Wave], *, min_group: int = DEFAULT_MIN_GROUP,
                      planner: bool = False) -> list[Comparison]:
    """Comparisons of every question asked in all waves, in the order of the last wave."""
    found: list[Comparison] = []
    for key in common_keys(waves):
        found += compare_question(waves, key, min_group=min_group, planner=planner)
    return found


def comparison_table(comparison: Comparison) -> tuple[list[str], list[list[Any]]]:
    """(header, rows) for a report or spreadsheet; "–" where a wave has no value."""
    labels = list(comparison.labels)
    steps = [f"Δ {a} → {b} (pp)" for a, b in zip(labels, labels[1:])]
    whole = [f"Δ {labels[0]} → {labels[-1]} (pp)"] if len(labels) > 2 else []

    def cell(value: Any) -> Any:
        return DASH if value is None else value

    if isinstance(comparison, FrequencyComparison):
        header = ["Antwort"] + [f"{w} Anzahl" for w in labels] + [f"{w} Anteil (%)" for w in labels] + steps + whole
        rows = []
        for row in comparison.rows:
            counts = [cell(c) if p else DASH for c, p in zip(row.counts, row.present)]
            rows.append([row.label, *counts, *map(cell, row.percents), *map(cell, row.changes)]
                        + ([cell(row.change)] if whole else []))
        rows.append(["n", *comparison.n, *[""] * (len(labels) + len(steps) + len(whole))])
        return header, rows
    header = ["Kennzahl", *labels] + [s.replace(" (pp)", "") for s in steps + whole]
    rows = []
    for name, values, changes, change in (
        ("n", comparison.n, _steps(comparison.n), _diff(comparison.n[0], comparison.n[-1])),
        ("Mittelwert", comparison.means, comparison.mean_changes, comparison.mean_change),
        ("Median", comparison.medians, comparison.median_changes, comparison.median_change),
    ):
        rows.append([name, *map(cell, values), *map(cell, changes)] + ([cell(change)] if whole else []))
    return header, rows


# -- offers and coverage --------------------------------------------------------------------------


is_ended = coverage_mod.is_ended  # an offer entry marked "beendet"


def _active(dataset: Dataset) -> Dataset:
    """The dataset with every offer marked "beendet" removed from the offers group."""
    def strip(response: ResponseRecord) -> ResponseRecord:
        entries = response.values.get(keys.OFFERS)
        if not entries or not any(is_ended(e) for e in entries):
            return response
        values = dict(response.values)
        values[keys.OFFERS] = [e for e in entries if not is_ended(e)]
        return replace(response, values=values)

    return replace(dataset, responses=tuple(strip(r) for r in dataset.responses))


def _respondent_key(response: ResponseRecord) -> str:
    return response.actor or network_mod.NAME_PREFIX + network_mod.normalise_name(response.organisation)


OfferKey = tuple[str, str]  # (actor code or "name:<organisation>", normalised offer name)


@dataclass(frozen=True)
class OfferRef:
    """An offer as matched across waves."""

    actor: str
    organisation: str
    name: str

    @property
    def key(self) -> OfferKey:
        return (self.actor, normalise_entry(self.name))


@dataclass(frozen=True)
class _WaveOffers:
    active: dict[OfferKey, OfferRef]
    ended: dict[OfferKey, OfferRef]
    respondents: frozenset[str]


def _wave_offers(dataset: Dataset) -> _WaveOffers:
    active: dict[OfferKey, OfferRef] = {}
    ended: dict[OfferKey, OfferRef] = {}
    for response, entry in dataset.entries(keys.OFFERS):
        ref = OfferRef(_respondent_key(response), response.organisation, str(entry.get(keys.OFFER_NAME) or "").strip())
        (ended if is_ended(entry) else active).setdefault(ref.key, ref)
    for key in active:
        ended.pop(key, None)  # listed twice, once active: it goes on
    return _WaveOffers(active, ended, frozenset(_respondent_key(r) for r in dataset.responses))


@dataclass(frozen=True)
class OfferChanges:
    """Offers between an earlier and a later wave (see the module docstring for the rules)."""

    earlier: str
    later: str
    new: tuple[OfferRef, ...]
    ended: tuple[OfferRef, ...]
    continued: tuple[OfferRef, ...]
    not_reported: tuple[OfferRef, ...]


def _sorted(refs: Iterable[OfferRef]) -> tuple[OfferRef, ...]:
    return tuple(sorted(refs, key=lambda r: (r.organisation.casefold(), r.name.casefold())))


def offer_changes(earlier: Wave, later: Wave) -> OfferChanges:
    """New, ended, continued and not reported offers from `earlier` to `later`."""
    a, b = _wave_offers(_submitted(earlier)), _wave_offers(_submitted(later))
    new = [ref for key, ref in b.active.items() if key not in a.active]
    ended, continued, unknown = [], [], []
    for key, ref in a.active.items():
        if key in b.active:
            continued.append(b.active[key])
        elif key in b.ended or ref.actor in b.respondents:
            ended.append(ref)
        else:
            unknown.append(ref)
    return OfferChanges(earlier.label, later.label, _sorted(new), _sorted(ended), _sorted(continued), _sorted(unknown))


def active_offer_count(wave: Wave) -> int:
    """Offers of the wave's submitted responses that are not marked as ended."""
    return len(coverage_mod.offers(_active(_submitted(wave))))


@dataclass(frozen=True)
class CoverageChange:
    """Cell deltas between two waves on the comparison's axes; None where a cell takes no part."""

    earlier: str
    later: str
    deltas: tuple[tuple[int | None, ...], ...]
    gaps_closed: frozenset[tuple[int, int]]
    gaps_opened: frozenset[tuple[int, int]]
    gaps_kept: frozenset[tuple[int, int]]
    offers: OfferChanges


@dataclass(frozen=True)
class CoverageComparison:
    """The life phase × district matrix per wave on common axes, and the changes."""

    labels: tuple[str, ...]
    rows: tuple[Option, ...]
    columns: tuple[Option, ...]
    counts: tuple[tuple[tuple[int | None, ...], ...], ...]  # [wave][row][column]; None: unknown there
    matrices: tuple[coverage_mod.CoverageMatrix, ...]  # each wave's own matrix
    excluded_columns: frozenset[int]
    steps: tuple[CoverageChange, ...]  # wave i → i+1
    overall: CoverageChange  # first → last

    def change(self, earlier: int, later: int) -> CoverageChange:
        """The change between two waves given by index (negative counts from the end)."""
        n = len(self.labels)
        earlier, later = earlier % n, later % n
        if later == earlier + 1:
            return self.steps[earlier]
        if (earlier, later) == (0, n - 1):
            return self.overall
        raise ValueError("only consecutive waves or first → last")

    def cell(self, wave: int, row_code: str, column_code: str) -> int | None:
        r = next(i for i, o in enumerate(self.rows) if o.code == row_code)
        c = next(i for i, o in enumerate(self.columns) if o.code == column_code)
        return self.counts[wave][r][c]

    def gaps(self, wave: int) -> int:
        """The gaps of one wave (cells with no offer, outside the excluded columns)."""
        return sum(1 for r, row in enumerate(self.counts[wave]) for c, v in enumerate(row)
                   if v == 0 and c not in self.excluded_columns)


def _union(option_lists: Sequence[Sequence[Option]]) -> tuple[Option, ...]:
    """Options by code in first-appearance order, each with its newest label."""
    labels: dict[str, str] = {}
    for options in option_lists:
        for o in options:
            labels.setdefault(o.code, o.label)
    for options in option_lists:
        for o in options:
            labels[o.code] = o.label
    return tuple(Option(code, label) for code, label in labels.items())


def _coverage_change(labels: tuple[str, ...], counts: Sequence[Sequence[Sequence[int | None]]], i: int, j: int,
                     excluded: frozenset[int], offers: OfferChanges) -> CoverageChange:
    deltas, closed, opened, kept = [], set(), set(), set()
    for r, (row_a, row_b) in enumerate(zip(counts[i], counts[j])):
        line = []
        for c, (a, b) in enumerate(zip(row_a, row_b)):
            line.append(_diff(a, b))  # type: ignore[arg-type]
            if a is None or b is None or c in excluded:
                continue
            if a == 0 and b > 0:
                closed.add((r, c))
            elif a > 0 and b == 0:
                opened.add((r, c))
            elif a == 0 and b == 0:
                kept.add((r, c))
        deltas.append(tuple(line))
    return CoverageChange(labels[i], labels[j], tuple(deltas), frozenset(closed), frozenset(opened),
                          frozenset(kept), offers)


def compare_coverage(waves: Sequence[Wave]) -> CoverageComparison:
    """Life phase × district per wave (ended offers left out) and the changes between waves."""
    _check(waves)
    matrices = tuple(coverage_mod.phase_by_district(_active(_submitted(w))) for w in waves)
    plain = [[o for o in m.columns if o.code != coverage_mod.NO_DISTRICT.code] for m in matrices]
    rows = _union([list(m.rows) for m in matrices])
    columns = _union(plain)
    excluded: frozenset[int] = frozenset()
    if any(coverage_mod.NO_DISTRICT.code in {o.code for o in m.columns} for m in matrices):
        columns += (coverage_mod.NO_DISTRICT,)
        excluded = frozenset({len(columns) - 1})
    counts = []
    for m in matrices:
        row_index = {o.code: i for i, o in enumerate(m.rows)}
        column_index = {o.code: i for i, o in enumerate(m.columns)}
        grid = []
        for row in rows:
            line: list[int | None] = []
            for column in columns:
                if column.code == coverage_mod.NO_DISTRICT.code and column.code not in column_index:
                    line.append(0 if row.code in row_index else None)
                elif row.code in row_index and column.code in column_index:
                    line.append(m.counts[row_index[row.code]][column_index[column.code]])
                else:
                    line.append(None)
            grid.append(tuple(line))
        counts.append(tuple(grid))
    labels = _labels(waves)
    steps = tuple(_coverage_change(labels, counts, i, i + 1, excluded, offer_changes(waves[i], waves[i + 1]))
                  for i in range(len(waves) - 1))
    overall = steps[0] if len(waves) == 2 else _coverage_change(
        labels, counts, 0, len(waves) - 1, excluded, offer_changes(waves[0], waves[-1]))
    return CoverageComparison(labels, rows, columns, tuple(counts), matrices, excluded, steps, overall)


# -- networks -------------------------------------------------------------------------------------

Tie = tuple[str, str]  # node ids, sorted


def ties(graph: nx.DiGraph) -> frozenset[Tie]:
    """The undirected ties of a partner network as sorted node-id pairs."""
    pairs = network_mod.undirected(graph).edges
    return frozenset((min(str(u), str(v)), max(str(u), str(v))) for u, v in pairs)


def degree_centralisation(graph: nx.Graph) -> float | None:
    """Freeman's degree centralisation of an undirected graph; None below three nodes."""
    n = graph.number_of_nodes()
    if n < 3:
        return None
    degrees = [d for _node, d in graph.degree()]
    top = max(degrees)
    return sum(top - d for d in degrees) / ((n - 1) * (n - 2))


@dataclass(frozen=True)
class NetworkFigures:
    """The network key figures of one wave."""

    label: str
    actors: int
    respondents: int
    ties: int
    density: float
    centralisation: float | None
    cross_sector_share: float | None


@dataclass(frozen=True)
class TieChange:
    earlier: str
    later: str
    added: frozenset[Tie]
    lost: frozenset[Tie]
    kept: frozenset[Tie]
    lost_unanswered: frozenset[Tie]  # lost ties of which neither actor answered the later wave


@dataclass(frozen=True)
class NetworkComparison:
    labels: tuple[str, ...]
    figures: tuple[NetworkFigures, ...]
    graphs: tuple[nx.DiGraph, ...]
    steps: tuple[TieChange, ...]
    overall: TieChange  # first → last


def _tie_change(labels: tuple[str, ...], graphs: Sequence[nx.DiGraph], i: int, j: int) -> TieChange:
    a, b = ties(graphs[i]), ties(graphs[j])
    answered = {n for n, d in graphs[j].nodes(data=True) if d.get("responded")}
    lost = a - b
    return TieChange(labels[i], labels[j], b - a, lost, a & b,
                     frozenset(t for t in lost if t[0] not in answered and t[1] not in answered))


def network_figures(label: str, graph: nx.DiGraph) -> NetworkFigures:
    m = network_mod.metrics(graph, top_n=0)
    return NetworkFigures(label, m.actors, m.respondents, m.ties, m.density,
                          degree_centralisation(network_mod.undirected(graph)), m.cross_sector_share)


def compare_networks(waves: Sequence[Wave]) -> NetworkComparison:
    """Key figures per wave, ties added, lost and kept between consecutive waves and first → last."""
    _check(waves)
    graphs = tuple(network_mod.build_graph(_submitted(w)) for w in waves)
    labels = _labels(waves)
    steps = tuple(_tie_change(labels, graphs, i, i + 1) for i in range(len(waves) - 1))
    overall = steps[0] if len(waves) == 2 else _tie_change(labels, graphs, 0, len(waves) - 1)
    figures = tuple(network_figures(label, graph) for label, graph in zip(labels, graphs))
    return NetworkComparison(labels, figures, graphs, steps, overall)


def union_graph(graphs: Sequence[nx.DiGraph]) -> nx.Graph:
    """All actors and ties of several waves in one undirected graph (node data of the newest wave)."""
    union = nx.Graph()
    for graph in graphs:
        view = network_mod.undirected(graph)
        for node, data in view.nodes(data=True):
            merged = dict(union.nodes[node]) if node in union else {}
            responded = merged.get("responded", False) or data.get("responded", False)
            merged.update(data)
            merged["responded"] = responded
            union.add_node(node, **merged)
        union.add_edges_from(view.edges)
    return union


# -- response -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WaveResponse:
    label: str
    overview: overview_mod.Overview

    @property
    def response_rate(self) -> float | None:
        return self.overview.response_rate


def compare_response(waves: Sequence[Wave]) -> list[WaveResponse]:
    """The response overview (invited, submitted, rate) of each wave."""
    return [WaveResponse(w.label, overview_mod.overview(w.dataset.invitations)) for w in waves]


# -- series of indicators -------------------------------------------------------------------------


@dataclass(frozen=True)
class Indicator:
    """One indicator over the waves; `percent` values are shares 0–100."""

    name: str  # stable identifier
    label: str  # German, for the chart
    values: tuple[float | None, ...]
    n: tuple[int, ...]  # the base of each value (invited, respondents, offers …)
    n_label: str = "Antwortende"  # what n counts
    percent: bool = False
    decimals: int = 0


INDICATORS = ("response_rate", "offers", "gaps", "density", "cross_sector_share")


def series(waves: Sequence[Wave], indicators: Sequence[str] = INDICATORS, *, question: str | None = None,
           option: str | None = None) -> tuple[tuple[str, ...], list[Indicator]]:
    """(wave labels, indicators) for a trend chart.

    `indicators` from `INDICATORS`. With `question` a number/year question adds its mean; a choice
    question with `option` adds the share of respondents who chose that option.
    """
    unknown = set(indicators) - set(INDICATORS)
    if unknown:
        raise ValueError(f"unknown indicators: {', '.join(sorted(unknown))}")
    data = [_submitted(w) for w in waves]
    respondents = tuple(len(d.responses) for d in data)
    found: list[Indicator] = []
    needs_network = {"density", "cross_sector_share"} & set(indicators)
    networks = [network_mod.metrics(network_mod.build_graph(d), top_n=0) for d in data] if needs_network else []
    coverage = ([coverage_mod.phase_by_district(_active(d)) for d in data]
                if {"gaps", "offers"} & set(indicators) else [])
    for name in indicators:
        if name == "response_rate":
            views = [overview_mod.overview(w.dataset.invitations) for w in waves]
            found.append(Indicator(name, "Rücklaufquote",
                                   tuple(100 * v.response_rate if v.response_rate is not None else None for v in views),
                                   tuple(v.invited for v in views), "eingeladene Einrichtungen", percent=True))
        elif name == "offers":
            found.append(Indicator(name, "Angebote (ohne beendete)", tuple(float(m.offers) for m in coverage),
                                   respondents))
        elif name == "gaps":
            found.append(Indicator(name, "Lücken (Lebensphase × Stadtteil)",
                                   tuple(float(len(m.gaps)) for m in coverage), respondents))
        elif name == "density":
            found.append(Indicator(name, "Dichte des Netzwerks", tuple(m.density for m in networks),
                                   tuple(m.actors for m in networks), "Akteure", decimals=2))
        elif name == "cross_sector_share":
            found.append(Indicator(name, "Anteil Kooperationen über Handlungsfelder",
                                   tuple(100 * m.cross_sector_share if m.cross_sector_share is not None else None
                                         for m in networks),
                                   tuple(m.known_sector_ties for m in networks),
                                   "Kooperationen mit bekanntem Handlungsfeld", percent=True))
    if question:
        found.append(_question_indicator(data, question, option))
    return _labels(waves), found


def _question_indicator(data: Sequence[Dataset], key: str, option: str | None) -> Indicator:
    questions = [d.question(key) for d in data]
    asked = next((q for q in reversed(questions) if q is not None), None)
    if asked is None:
        raise ValueError(f"no wave asks {key!r}")
    if kind_of(asked).family == NUMBER:
        summaries = [numeric_summary(d, q) if q else None for d, q in zip(data, questions)]
        return Indicator(f"mean:{key}", f"Mittelwert: {asked.prompt}",
                         tuple(s.mean if s else None for s in summaries), tuple(s.n if s else 0 for s in summaries),
                         decimals=1)
    if _options(asked):
        if not option:
            raise ValueError(f"{key!r} is a choice question: give the option whose share to show")
        tables = [frequencies(d, q) if q else None for d, q in zip(data, questions)]
        values = tuple(next((r.percent for r in t.rows if r.code == option), None) if t else None for t in tables)
        label = asked.option_label(option)
        return Indicator(f"share:{key}={option}", f"Anteil „{label}“: {asked.prompt}", values,
                         tuple(t.n if t else 0 for t in tables), percent=True)
    raise ValueError(f"{key!r} ({asked.kind}) has no mean or option share")


# -- export ---------------------------------------------------------------------------------------


def series_csv(waves: Sequence[Wave], dialect: str = "excel_de", *, submitted_only: bool = True) -> Iterator[bytes]:
    """All responses of all waves in one CSV with a leading `wave` column (streamed chunks)."""
    return export.series_responses_csv(
        [(w.label, w.dataset.questions, (_submitted(w) if submitted_only else w.dataset).responses) for w in waves],
        dialect,
    )
