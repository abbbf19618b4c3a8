"""Comparing offers and the coverage matrix across waves.

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
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from questionnaires.model import Option

from .. import coverage as coverage_mod
from .. import keys
from .. import network as network_mod
from ..dataset import Dataset, ResponseRecord
from ..statistics import normalise_entry
from .wave import Wave, check_count, difference, labels_of, submitted_of

is_ended = coverage_mod.is_ended  # an offer entry marked "beendet"


def active_offers(dataset: Dataset) -> Dataset:
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
    a, b = _wave_offers(submitted_of(earlier)), _wave_offers(submitted_of(later))
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
    return len(coverage_mod.offers(active_offers(submitted_of(wave))))


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
    for r, (row_a, row_b) in enumerate(zip(counts[i], counts[j], strict=True)):
        line: list[int | None] = []
        for c, (a, b) in enumerate(zip(row_a, row_b, strict=True)):
            line.append(difference(a, b))
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
    check_count(waves)
    matrices = tuple(coverage_mod.phase_by_district(active_offers(submitted_of(w))) for w in waves)
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
    labels = labels_of(waves)
    steps = tuple(_coverage_change(labels, counts, i, i + 1, excluded, offer_changes(waves[i], waves[i + 1]))
                  for i in range(len(waves) - 1))
    overall = steps[0] if len(waves) == 2 else _coverage_change(
        labels, counts, 0, len(waves) - 1, excluded, offer_changes(waves[0], waves[-1]))
    return CoverageComparison(labels, rows, columns, tuple(counts), matrices, excluded, steps, overall)
