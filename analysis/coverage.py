"""Coverage of the prevention chain: offers per life phase × district (or × sector, target group).

Each offer of the offers group (`keys.OFFERS`) counts once in every cell it belongs to: an offer for
two life phases in three districts counts in six cells. Offers without a district are counted in a
separate column "ohne Stadtteilangabe" that takes no part in the gap and density rules.

Gap: a cell with no offer.

Dense ("unusually dense", a hint of over-supply): a cell with at least `DENSE_MINIMUM` (3) offers and
at least `DENSE_FACTOR` (2) times the median of the non-zero cells. Why not mean + 2 standard
deviations: with the 20–60 cells of a typical matrix a few crowded cells inflate the standard
deviation and hide each other, and the rule can be said in one sentence to a planner: "mindestens
doppelt so viele Angebote wie in einer typischen versorgten Zelle, und mindestens drei".
"""

from __future__ import annotations

import statistics as pystats
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from questionnaires.model import Option

from . import keys
from .dataset import Dataset

DENSE_MINIMUM = 3
DENSE_FACTOR = 2.0
NO_DISTRICT = Option("_ohne", "ohne Stadtteilangabe")
NO_SECTOR = Option("_ohne", "ohne Angabe")
DENSE_RULE = (
    f"Dichte Zelle: mindestens {DENSE_MINIMUM} Angebote und mindestens {DENSE_FACTOR:g}-mal "
    "so viele wie der Median der besetzten Zellen."
)


@dataclass(frozen=True)
class Offer:
    """One offer with the attributes coverage needs; `sector` is the offering actor's sector."""

    response_id: int
    actor: str | None
    sector: str
    name: str
    phases: tuple[str, ...]
    target_groups: tuple[str, ...]
    districts: tuple[str, ...]
    settings: tuple[str, ...]
    cost: str


@dataclass(frozen=True)
class CoverageMatrix:
    """Offer counts: `counts[row][column]`; gaps and dense cells as (row, column) index pairs."""

    title: str
    row_title: str
    column_title: str
    rows: tuple[Option, ...]
    columns: tuple[Option, ...]
    counts: tuple[tuple[int, ...], ...]
    gaps: frozenset[tuple[int, int]]
    dense: frozenset[tuple[int, int]]
    offers: int  # offers counted (after filters)
    respondents: int  # respondents who reported those offers
    excluded_columns: frozenset[int] = frozenset()  # e.g. "ohne Stadtteilangabe": no gaps there

    def cell(self, row_code: str, column_code: str) -> int:
        r = next(i for i, o in enumerate(self.rows) if o.code == row_code)
        c = next(i for i, o in enumerate(self.columns) if o.code == column_code)
        return self.counts[r][c]


def _tuple(value: object) -> tuple[str, ...]:
    if isinstance(value, (list, tuple)):
        return tuple(str(v) for v in value if v)
    return (str(value),) if value else ()


def is_ended(entry: Mapping[str, Any]) -> bool:
    """Whether an offer entry is marked as ended ("beendet") in a follow-up wave."""
    return str(entry.get(keys.OFFER_STATUS) or "").strip().casefold() == keys.OFFER_ENDED


def offers(dataset: Dataset) -> list[Offer]:
    """Every running offer of the responses in `dataset` (offers marked as ended are left out)."""
    if "offers" not in dataset.memo:
        dataset.memo["offers"] = _collect_offers(dataset)
    found: list[Offer] = dataset.memo["offers"]
    return found


def _collect_offers(dataset: Dataset) -> list[Offer]:
    found = []
    for response, entry in dataset.entries(keys.OFFERS):
        if is_ended(entry):
            continue
        found.append(
            Offer(
                response_id=response.id,
                actor=response.actor,
                sector=dataset.sector_of(response),
                name=str(entry.get(keys.OFFER_NAME) or ""),
                phases=_tuple(entry.get(keys.OFFER_PHASES)),
                target_groups=_tuple(entry.get(keys.OFFER_TARGET_GROUPS)),
                districts=_tuple(entry.get(keys.OFFER_DISTRICTS)),
                settings=_tuple(entry.get(keys.OFFER_SETTING)),
                cost=str(entry.get(keys.OFFER_COST) or ""),
            )
        )
    return found


def filter_offers(
    found: Iterable[Offer],
    sectors: Iterable[str] | None = None,
    target_groups: Iterable[str] | None = None,
    costs: Iterable[str] | None = None,
    settings: Iterable[str] | None = None,
) -> list[Offer]:
    """Offers matching every given filter (list filters match when any code is shared)."""
    sector_set = set(sectors) if sectors is not None else None
    group_set = set(target_groups) if target_groups is not None else None
    cost_set = set(costs) if costs is not None else None
    setting_set = set(settings) if settings is not None else None
    return [
        o
        for o in found
        if (sector_set is None or o.sector in sector_set)
        and (group_set is None or group_set.intersection(o.target_groups))
        and (cost_set is None or o.cost in cost_set)
        and (setting_set is None or setting_set.intersection(o.settings))
    ]


def dense_cells(counts: Sequence[Sequence[int]], excluded_columns: Iterable[int] = ()) -> frozenset[tuple[int, int]]:
    """Cells with at least DENSE_MINIMUM offers and DENSE_FACTOR × the median of non-zero cells."""
    excluded = set(excluded_columns)
    cells = [(r, c, v) for r, row in enumerate(counts) for c, v in enumerate(row) if c not in excluded]
    nonzero = [v for _r, _c, v in cells if v > 0]
    if not nonzero:
        return frozenset()
    threshold = max(DENSE_MINIMUM, DENSE_FACTOR * pystats.median(nonzero))
    return frozenset((r, c) for r, c, v in cells if v >= threshold)


def _options(dataset: Dataset, short: str) -> tuple[Option, ...]:
    question = dataset.field(keys.OFFERS, short)
    return question.options if question else ()


def _with_unknown(options: Sequence[Option], seen: Iterable[str]) -> tuple[Option, ...]:
    known = {o.code for o in options}
    extra = sorted({code for code in seen if code not in known})
    return tuple(options) + tuple(Option(code, code) for code in extra)


def _matrix(
    title: str,
    row_title: str,
    column_title: str,
    rows: Sequence[Option],
    columns: Sequence[Option],
    pairs: Sequence[tuple[Offer, Iterable[str], Iterable[str]]],
    excluded_columns: frozenset[int] = frozenset(),
) -> CoverageMatrix:
    row_index = {o.code: i for i, o in enumerate(rows)}
    column_index = {o.code: i for i, o in enumerate(columns)}
    counts = [[0] * len(columns) for _ in rows]
    for _offer, row_codes, column_codes in pairs:
        for r in set(row_codes):
            for c in set(column_codes):
                if r in row_index and c in column_index:
                    counts[row_index[r]][column_index[c]] += 1
    gaps = frozenset(
        (r, c) for r in range(len(rows)) for c in range(len(columns)) if counts[r][c] == 0 and c not in excluded_columns
    )
    return CoverageMatrix(
        title=title,
        row_title=row_title,
        column_title=column_title,
        rows=tuple(rows),
        columns=tuple(columns),
        counts=tuple(tuple(row) for row in counts),
        gaps=gaps,
        dense=dense_cells(counts, excluded_columns),
        offers=len(pairs),
        respondents=len({offer.response_id for offer, _r, _c in pairs}),
        excluded_columns=excluded_columns,
    )


def phase_by_district(dataset: Dataset, **filters: Iterable[str] | None) -> CoverageMatrix:
    """Offers per life phase × district; `filters` as in `filter_offers`."""
    found = filter_offers(offers(dataset), **filters)
    phases = _with_unknown(_options(dataset, keys.OFFER_PHASES), (p for o in found for p in o.phases))
    districts = _with_unknown(dataset.district_options, (d for o in found for d in o.districts))
    columns = districts
    excluded: frozenset[int] = frozenset()
    if any(not o.districts for o in found):
        columns = districts + (NO_DISTRICT,)
        excluded = frozenset({len(districts)})
    pairs = [(o, o.phases, o.districts or (NO_DISTRICT.code,)) for o in found]
    return _matrix("Angebote nach Lebensphase und Stadtteil", "Lebensphase", "Stadtteil", phases, columns, pairs,
                   excluded)


def phase_by_sector(dataset: Dataset, **filters: Iterable[str] | None) -> CoverageMatrix:
    """Offers per life phase × sector of the offering actor."""
    found = filter_offers(offers(dataset), **filters)
    phases = _with_unknown(_options(dataset, keys.OFFER_PHASES), (p for o in found for p in o.phases))
    sectors = _with_unknown(dataset.sector_options, (o.sector for o in found if o.sector))
    excluded: frozenset[int] = frozenset()
    if any(not o.sector for o in found):
        sectors = sectors + (NO_SECTOR,)
        excluded = frozenset({len(sectors) - 1})
    pairs = [(o, o.phases, (o.sector or NO_SECTOR.code,)) for o in found]
    return _matrix(
        "Angebote nach Lebensphase und Handlungsfeld", "Lebensphase", "Handlungsfeld", phases, sectors, pairs, excluded
    )


def target_group_by_phase(dataset: Dataset, **filters: Iterable[str] | None) -> CoverageMatrix:
    """Offers per target group × life phase."""
    found = filter_offers(offers(dataset), **filters)
    groups = _with_unknown(_options(dataset, keys.OFFER_TARGET_GROUPS), (g for o in found for g in o.target_groups))
    phases = _with_unknown(_options(dataset, keys.OFFER_PHASES), (p for o in found for p in o.phases))
    pairs = [(o, o.target_groups, o.phases) for o in found]
    return _matrix("Angebote nach Zielgruppe und Lebensphase", "Zielgruppe", "Lebensphase", groups, phases, pairs)


def gap_list(matrix: CoverageMatrix) -> list[tuple[str, str]]:
    """The gaps as (row label, column label), for a table."""
    return [(matrix.rows[r].label, matrix.columns[c].label) for r, c in sorted(matrix.gaps)]
