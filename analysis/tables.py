"""The results-table model: every table of the results page as one typed `Table`.

The page (`templates/results/tables.html`), the chart CSVs, the workbook (`workbook.py`) and the PDF
report all render the same `Table` objects, so a table has its header, its numbers, its rounding
and its suppression once. A `Table` is built from a `Dataset` by the functions below; small-number
suppression is decided by `privacy` (called here, never re-implemented) and marked in the cells as
`SUPPRESSED`, which every renderer shows as "–" (the dash: "< 3" in a share column would read as
"under 3 %").

Columns know their type (`text`, `count`, `number`, `percent`, `year`, `date`) and how many decimals
the page shows; `rounded(value, column)` is what CSV and workbook store, `display(value, column)`
the German text of the page. A cell whose type differs from its column (a list of key figures with
counts and shares under "Wert") is a `Value`. Percent values are in percent (16.7, not 0.167).

Nothing here knows Flask or the database.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, Protocol

from questionnaires import formatting as fmt
from questionnaires.kinds import KINDS, NO_CHART, District, SingleChoice
from questionnaires.model import Option, Question

from . import coverage as coverage_mod
from . import network as network_mod
from . import overview as overview_mod
from .dataset import Dataset
from .privacy import suppress, suppress_counts, texts_shown
from .statistics import Count, Frequencies, LikertDistribution, NumericSummary, Summary, Texts, district_distribution

MARK = fmt.DASH  # how a suppressed cell reads everywhere


class Type(StrEnum):
    TEXT = "text"
    COUNT = "count"
    NUMBER = "number"
    PERCENT = "percent"
    YEAR = "year"
    DATE = "date"


NUMERIC = frozenset({Type.COUNT, Type.NUMBER, Type.PERCENT, Type.YEAR})


class _Suppressed:
    """The marker of a cell hidden for privacy (a singleton, falsy, rendered as `MARK`)."""

    _instance: _Suppressed | None = None

    def __new__(cls) -> _Suppressed:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "SUPPRESSED"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "SUPPRESSED"


SUPPRESSED = _Suppressed()


@dataclass(frozen=True)
class Column:
    """A column: its heading, the type of its values and the decimals the page shows (at most)."""

    title: str
    type: Type = Type.TEXT
    decimals: int = 0

    @property
    def numeric(self) -> bool:
        return self.type in NUMERIC


@dataclass(frozen=True)
class Value:
    """A cell typed on its own (e.g. a share in a list of key figures)."""

    value: Any
    type: Type
    decimals: int = 0


@dataclass(frozen=True)
class Table:
    """One table: `rows` hold plain values (str, int, float, date), `None` (no value), `SUPPRESSED`
    (hidden for privacy) or a `Value`. `withheld` is the message when the whole table is hidden.
    `chart` names the chart the table belongs to (its `/chart/<name>` URL), `section` the part of
    the results page it stands in."""

    key: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Any, ...], ...]
    note: str = ""
    section: str = ""
    chart: str | None = None
    withheld: str = ""
    sheet: str = ""  # a short name for a workbook sheet (else the title, shortened)
    in_chart: bool = False  # the chart prints every number of the table (bar labels, heatmap cells)

    @property
    def header(self) -> list[str]:
        return [c.title for c in self.columns]

    @property
    def has_suppressed(self) -> bool:
        return any(v is SUPPRESSED for row in self.rows for v in row)

    def typed(self, row: Sequence[Any]) -> list[tuple[Any, Column]]:
        """The cells of `row` with the column that types each (a `Value` brings its own)."""
        cells = []
        for value, column in zip(row, self.columns, strict=True):
            if isinstance(value, Value):
                cells.append((value.value, replace(column, type=value.type, decimals=value.decimals)))
            else:
                cells.append((value, column))
        return cells

    def plain_rows(self) -> list[list[Any]]:
        """The rows as CSV and spreadsheets store them: numbers rounded as on the page, the dash
        for a suppressed cell, None for no value."""
        return [[rounded(v, c) for v, c in self.typed(row)] for row in self.rows]

    def csv_rows(self) -> list[list[Any]]:
        """Header and rows for a CSV download."""
        return [self.header, *self.plain_rows()]

    def display_rows(self, limit: int | None = None) -> list[list[tuple[str, Column]]]:
        """The rows as the page shows them: German text with the cell's column (for alignment)."""
        rows = self.rows if limit is None else self.rows[:limit]
        return [[(display(v, c), c) for v, c in self.typed(row)] for row in rows]

    def head(self, limit: int) -> Table:
        return replace(self, rows=self.rows[:limit])


# -- rendering one value ------------------------------------------------------------------------------


def rounded(value: Any, column: Column) -> Any:
    """The value as stored in CSV and workbook: rounded to what the page shows."""
    if value is SUPPRESSED:
        return MARK
    if isinstance(value, Value):
        return rounded(value.value, replace(column, type=value.type, decimals=value.decimals))
    if value is None or isinstance(value, bool):
        return value
    if column.type in NUMERIC and isinstance(value, (int, float)):
        if column.type == Type.COUNT:
            return int(round(value))
        number = round(float(value), column.decimals)
        return int(number) if number.is_integer() and (column.type != Type.PERCENT or not column.decimals) else number
    return value


def display(value: Any, column: Column) -> str:
    """The value as German text for the page (and the PDF)."""
    if value is SUPPRESSED or value is None:
        return MARK
    if isinstance(value, Value):
        return display(value.value, replace(column, type=value.type, decimals=value.decimals))
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, dt.datetime):
        return fmt.datetime(value)
    if isinstance(value, dt.date):
        return fmt.date(value)
    if isinstance(value, (int, float)):
        if column.type == Type.PERCENT:
            return fmt.number(value, column.decimals)
        if column.type in (Type.YEAR, Type.NUMBER):
            number = round(float(value), column.decimals)
            decimals = 0 if number.is_integer() else column.decimals
            return fmt.plain(number, decimals) if column.type == Type.YEAR else fmt.number(number, decimals)
        return fmt.number(value, 0 if column.type == Type.COUNT else None)
    return str(value)


# -- who looks ---------------------------------------------------------------------------------------


class Audience(Protocol):
    """Who looks: planners see everything; analysts get small numbers suppressed."""

    @property
    def planner(self) -> bool: ...

    @property
    def min_group(self) -> int: ...

    @property
    def suppressing(self) -> bool: ...


def withheld_table(key: str, title: str, message: str, section: str, chart: str | None = None) -> Table:
    """A table hidden as a whole for privacy: one "Hinweis" cell with the message."""
    return Table(key, title, (Column("Hinweis"),), ((message,),), section=section, chart=chart, withheld=message,
                 sheet=sheet_title(key))


def free_text(audience: Audience) -> bool:
    """Does the audience see free texts (planners; analysts where the planner included them)?"""
    return not audience.suppressing or bool(getattr(audience, "free_text", False))


def texts_visible(n: int, audience: Audience) -> bool:
    return texts_shown(n, free_text(audience), audience.min_group, not audience.suppressing)


def texts_message(audience: Audience) -> str:
    if free_text(audience):
        return (f"Freitexte von weniger als {audience.min_group} Einrichtungen – zum Schutz der Antwortenden "
                "nicht dargestellt.")
    return ("Freitexte sind Einzelangaben und werden Auswertenden nur gezeigt, wenn die Planung sie für diese "
            "Befragung freigibt.")


def _small_message(audience: Audience) -> str:
    return f"Weniger als {audience.min_group} Antworten – zum Schutz der Antwortenden nicht dargestellt."


def suppression_note(audience: Audience) -> str:
    return (f"{MARK} = ausgeblendet: weniger als {audience.min_group} Antworten (zum Schutz der Antwortenden)"
            if audience.suppressing else "")


def _mark(counts: Sequence[float | None], audience: Audience) -> list[Any]:
    return [SUPPRESSED if c is None and audience.suppressing else c for c in counts]


# -- question tables ---------------------------------------------------------------------------------

ANSWER, COUNT, SHARE = Column("Antwort"), Column("Anzahl", Type.COUNT), Column("Anteil (%)", Type.PERCENT, 1)


def frequency_table(key: str, summary: Frequencies, audience: Audience, section: str = "fragen",
                    title: str | None = None, chart: str | None = None) -> Table:
    """Counts and shares of a choice question (or of actors by sector …), suppressed for analysts."""
    shown = suppress(summary, audience.min_group, audience.planner)
    title = title or summary.question.prompt
    chart = chart or key
    if shown is None or shown.suppressed:
        return withheld_table(key, title, _small_message(audience), section, chart)
    assert isinstance(shown, Frequencies)  # suppress keeps the kind of summary
    rows = []
    for row in shown.rows:
        count = SUPPRESSED if row.count is None and audience.suppressing else row.count
        share = SUPPRESSED if count is SUPPRESSED else row.percent
        rows.append((row.label, count, share))
    note = ""
    if shown.other_texts and texts_visible(shown.n, audience):
        note = "Sonstiges: " + "; ".join(sorted(set(shown.other_texts))[:20])
    return Table(key, title, (ANSWER, COUNT, SHARE), tuple(rows), note=note, section=section, chart=chart,
                 sheet=sheet_title(key), in_chart=True)


def _value_type(question: Question) -> Type:
    return Type.YEAR if question.kind in KINDS and KINDS[question.kind].years else Type.NUMBER


def summary_table(key: str, summary: Summary, audience: Audience, section: str = "fragen",
                  title: str | None = None) -> Table:
    """The table of any question summary (frequencies, numbers, Likert/matrix, free texts)."""
    title = title or summary.question.prompt
    if isinstance(summary, Frequencies):
        return frequency_table(key, summary, audience, section, title)
    shown = suppress(summary, audience.min_group, audience.planner)
    if shown is None or shown.suppressed:
        return withheld_table(key, title, _small_message(audience), section, key)
    if isinstance(shown, NumericSummary):
        kind = _value_type(shown.question)
        integer = shown.question.integer or kind == Type.YEAR
        exact = Value(None, kind, 0 if integer else 1)

        def value(number: float | None, decimals: int = 1) -> Value:
            return Value(number, kind, decimals)

        rows: tuple[tuple[Any, ...], ...] = (
            ("Antworten (n)", Value(shown.n, Type.COUNT)), ("Mittelwert", value(shown.mean)),
            ("Median", value(shown.median)), ("Minimum", replace(exact, value=shown.minimum)),
            ("1. Quartil", value(shown.q1)), ("3. Quartil", value(shown.q3)),
            ("Maximum", replace(exact, value=shown.maximum)),
        )
        return Table(key, title, (Column("Kennzahl"), Column("Wert", kind, 1)), rows, section=section, chart=key)
    if isinstance(shown, LikertDistribution):
        return likert_table(key, title, shown, audience, section)
    if isinstance(shown, Texts):
        if not texts_visible(shown.n, audience):
            return withheld_table(key, title, texts_message(audience), section, key)
        counted = Counter(" ".join(t.split()) for t in shown.texts if t.strip())
        rows = tuple((text, n) for text, n in sorted(counted.items(), key=lambda item: (-item[1], item[0])))
        return Table(key, title, (ANSWER, COUNT), rows, section=section, chart=key,
                     note="Gleichlautende Antworten sind zusammengefasst.")
    raise TypeError(f"no table for {type(summary).__name__}")


def likert_table(key: str, title: str, shown: LikertDistribution, audience: Audience, section: str) -> Table:
    """Counts per scale option, n, and mean and median on the scale's numeric mapping (stated in the
    note; answers off the scale such as "Weiß ich nicht" left out) per row."""
    columns = (Column("Aussage"), *(Column(o.label, Type.COUNT) for o in shown.scale), Column("n", Type.COUNT),
               Column("Mittelwert", Type.NUMBER, 1), Column("Median", Type.NUMBER, 1))
    means = shown.means or (None,) * len(shown.rows)
    medians = shown.medians or (None,) * len(shown.rows)
    rows = tuple((row.label, *_mark(counts, audience), n, *_mark([mean, median], audience))
                 for row, counts, n, mean, median in zip(shown.rows, shown.counts, shown.row_n, means, medians,
                                                         strict=True))
    note = f"Mittelwert und Median: {shown.mapping}." if shown.mapping else ""
    return Table(key, title, columns, tuple(rows), note=note, section=section, chart=key)


# -- response rates ----------------------------------------------------------------------------------


def _rate(part: int | None, whole: int) -> float | None:
    return 100 * part / whole if part is not None and whole else None


def _small(count: int | None, audience: Audience | None) -> Any:
    """A count as an analyst may see it: 1 … min−1 hidden."""
    if audience is not None and audience.suppressing and count is not None and 0 < count < audience.min_group:
        return SUPPRESSED
    return count


def overview_table(dataset: Dataset, audience: Audience | None = None) -> Table:
    """The invitation funnel (the figures above the response chart); analysts: counts of 1 … min−1
    hidden, the rate only from min invited and min submitted."""
    o = overview_mod.overview(dataset.invitations)
    rate: Any = Value(_rate(o.submitted, o.invited), Type.PERCENT, 1)
    if _small(o.submitted, audience) is SUPPRESSED or _small(o.invited, audience) is SUPPRESSED:
        rate = SUPPRESSED
    rows = (
        ("Eingeladen", _small(o.invited, audience)), ("Geöffnet", _small(o.opened, audience)),
        ("In Bearbeitung", _small(o.in_progress, audience)), ("Abgeschickt", _small(o.submitted, audience)),
        ("Rücklaufquote", rate),
        ("Nimmt nicht teil (zählt als eingeladen)", _small(o.declined, audience)),
        ("Noch nicht versandt", _small(o.not_sent, audience)),
        ("Zustellung fehlgeschlagen", _small(o.failed, audience)),
        ("Unzustellbar", _small(o.bounced, audience)), ("Zurückgezogen", _small(o.withdrawn, audience)),
    )
    return Table("ruecklauf-gesamt", "Rücklauf insgesamt", (Column("Kennzahl"), Column("Wert", Type.COUNT)), rows,
                 section="ruecklauf", sheet="Rücklauf",
                 note="Eingeladen = Einladungen, die angekommen sind, auch bei Organisationen, die nicht teilnehmen "
                      "(ohne fehlgeschlagene, unzustellbare und zurückgezogene).")


def response_over_time_table(dataset: Dataset, audience: Audience | None = None) -> Table:
    """Submitted so far per day; analysts: days with 1 … min−1 submitted so far hidden."""
    counts = overview_mod.overview(dataset.invitations)
    rows = tuple((p.day, SUPPRESSED, SUPPRESSED) if _small(p.submitted, audience) is SUPPRESSED
                 else (p.day, p.submitted, _rate(p.submitted, counts.invited))
                 for p in overview_mod.submissions_over_time(dataset))
    columns = (Column("Tag", Type.DATE), Column("Eingereicht (kumuliert)", Type.COUNT),
               Column("Rücklaufquote (%)", Type.PERCENT, 1))
    return Table("ruecklauf", "Rücklauf im Zeitverlauf", columns, rows, section="ruecklauf", chart="ruecklauf",
                 sheet="Rücklauf nach Tag")


def rate_table(key: str, title: str, group_title: str, groups: Iterable[overview_mod.GroupRate],
               audience: Audience) -> Table:
    """Invited, submitted and rate per group; analysts: small submitted counts hidden, rates only
    from `min_group` invited."""
    rows: list[list[Any]] = []
    for g in groups:
        if not g.invited:
            continue
        rate: Any = _rate(g.submitted, g.invited)
        if audience.suppressing and g.invited < audience.min_group:
            rate = SUPPRESSED
        rows.append([g.label, g.invited, g.submitted, rate])
    if audience.suppressing:  # additive: the groups' counts may add up to the totals above the table
        for row, count in zip(rows, suppress_counts([r[1] for r in rows], audience.min_group, additive=True),
                              strict=True):
            if count is None:
                row[1], row[3] = SUPPRESSED, SUPPRESSED
        for row, count in zip(rows, suppress_counts([r[2] for r in rows], audience.min_group, additive=True),
                              strict=True):
            if count is None:
                row[2], row[3] = SUPPRESSED, SUPPRESSED
    columns = (Column(group_title), Column("Eingeladen", Type.COUNT), Column("Abgeschickt", Type.COUNT),
               Column("Quote (%)", Type.PERCENT, 1))
    note = f"Quoten erst ab {audience.min_group} Eingeladenen." if audience.suppressing else ""
    return Table(key, title, columns, tuple(tuple(r) for r in rows), section="ruecklauf", note=note,
                 sheet=f"Rücklauf nach {group_title}")


def rate_tables(dataset: Dataset, audience: Audience) -> list[Table]:
    return [
        rate_table("ruecklauf-stadtteil", "Rücklauf nach Stadtteil", "Stadtteil",
                   overview_mod.rate_by_district(dataset), audience),
        rate_table("ruecklauf-handlungsfeld", "Rücklauf nach Handlungsfeld", "Handlungsfeld",
                   overview_mod.rate_by_sector(dataset), audience),
    ]


# -- actors ------------------------------------------------------------------------------------------


def group_counts(question: Question, codes_per_response: Sequence[Iterable[str]],
                 options: Sequence[Option]) -> Frequencies:
    """Respondents per code (a response without a code counts as "ohne Angabe")."""
    counter: Counter[str] = Counter(code for codes in codes_per_response for code in set(codes) or {""})
    n = len(codes_per_response)
    known = [o for o in options if o.code]
    rows = [Count(o.code, o.label, counter[o.code], _rate(counter[o.code], n)) for o in known]
    rows += [Count(c, c, counter[c], _rate(counter[c], n)) for c in sorted(counter)
             if c and c not in {o.code for o in known}]
    if counter[""]:
        rows.append(Count("", "ohne Angabe", counter[""], _rate(counter[""], n)))
    multiple = any(len(set(codes)) > 1 for codes in codes_per_response)
    return Frequencies(question, n, 0, tuple(rows), multiple=multiple)


def actor_summaries(dataset: Dataset) -> list[tuple[str, Frequencies]]:
    """(chart name, counts) of the responding organisations by sector, provider type, district."""
    responses = dataset.responses
    by_sector = group_counts(
        Question("_akteure.handlungsfeld", SingleChoice.name, "Antwortende Einrichtungen nach Handlungsfeld"),
        [[dataset.sector_of(r)] for r in responses], dataset.sector_options)
    by_type = group_counts(
        Question("_akteure.traegerart", SingleChoice.name, "Antwortende Einrichtungen nach Trägerart"),
        [[dataset.provider_type_of(r)] for r in responses], dataset.provider_type_options)
    districts = replace(district_distribution(dataset), question=Question(
        "_akteure.stadtteil", District.name, "Antwortende Einrichtungen nach Stadtteil (Mehrfachnennung möglich)"))
    return [("akteure-handlungsfeld", by_sector), ("akteure-traegerart", by_type), ("akteure-stadtteil", districts)]


SHEETS = {
    "akteure-handlungsfeld": "Akteure nach Handlungsfeld", "akteure-traegerart": "Akteure nach Trägerart",
    "akteure-stadtteil": "Akteure nach Stadtteil", "abdeckung-stadtteil": "Abdeckung Phase x Stadtteil",
    "abdeckung-handlungsfeld": "Abdeckung Phase x Handlungsfeld",
    "abdeckung-zielgruppe": "Abdeckung Zielgruppe x Phase",
    "netzwerk": "Netzwerk Kennzahlen", "brueckenakteure": "Netzwerk Brückenakteure",
    "netzwerk-handlungsfelder": "Netzwerk Handlungsfelder",
}


def sheet_title(key: str) -> str:
    """The short workbook sheet name of a table of the page ("" for a question: its prompt)."""
    return SHEETS.get(key, "")


def actor_tables(dataset: Dataset, audience: Audience) -> list[Table]:
    return [frequency_table(name, counts, audience, section="akteure") for name, counts in actor_summaries(dataset)]


# -- coverage ----------------------------------------------------------------------------------------

COVERAGE = {
    "abdeckung-stadtteil": coverage_mod.phase_by_district,
    "abdeckung-handlungsfeld": coverage_mod.phase_by_sector,
    "abdeckung-zielgruppe": coverage_mod.target_group_by_phase,
}


def matrix_withheld(matrix: coverage_mod.CoverageMatrix, audience: Audience) -> bool:
    """Coverage is shown whole or not at all: hidden when fewer than min respondents reported offers."""
    return audience.suppressing and matrix.respondents < audience.min_group


def coverage_table(key: str, matrix: coverage_mod.CoverageMatrix, audience: Audience) -> Table:
    if matrix_withheld(matrix, audience):
        return withheld_table(key, matrix.title,
                         f"Angebote von weniger als {audience.min_group} Einrichtungen – zum Schutz der "
                         "Antwortenden nicht dargestellt.", "abdeckung", key)
    columns = (Column(f"{matrix.row_title} \\ {matrix.column_title}"),
               *(Column(o.label, Type.COUNT) for o in matrix.columns))
    rows = tuple((row.label, *counts) for row, counts in zip(matrix.rows, matrix.counts, strict=True))
    note = (f"{matrix.offers} Angebote von {matrix.respondents} Einrichtungen; 0 = Lücke. "
            f"{coverage_mod.DENSE_RULE}")
    return Table(key, matrix.title, columns, rows, note=note, section="abdeckung", chart=key, sheet=sheet_title(key),
                 in_chart=True)


def coverage_matrices(dataset: Dataset, **filters: Iterable[str] | None) -> dict[str, coverage_mod.CoverageMatrix]:
    return {name: build(dataset, **filters) for name, build in COVERAGE.items()}


# -- network -----------------------------------------------------------------------------------------


def network_withheld(dataset: Dataset, audience: Audience) -> bool:
    """The network is shown whole or not at all: hidden when fewer than min respondents named partners."""
    from . import keys

    partners = sum(1 for r in dataset.responses if r.values.get(keys.PARTNERS))
    return audience.suppressing and partners < audience.min_group


def network_message(audience: Audience) -> str:
    return (f"Kooperationsangaben von weniger als {audience.min_group} Einrichtungen – zum Schutz der "
            "Antwortenden nicht dargestellt.")


def _share(value: float | None, decimals: int = 1) -> Value:
    return Value(100 * value if value is not None else None, Type.PERCENT, decimals)


EXPLAIN = Column("Was die Zahl misst")


def network_metrics_table(m: network_mod.NetworkMetrics) -> Table:
    """The key figures of the network, each with a one-line definition; the note says whether the
    network is denser inside the sectors or across them."""
    d = m.sectors
    rows: list[tuple[Any, ...]] = [
        ("Akteure", m.actors, "Einrichtungen im Netz: aus dem Verzeichnis, Antwortende und genannte Partner."),
        ("davon geantwortet", m.respondents, "Einrichtungen, die den Fragebogen abgeschickt haben."),
        ("Nennungen (gerichtet)", m.nominations, "Wie oft eine Einrichtung eine andere als Partner genannt hat."),
        ("Kooperationen (Paare)", m.ties, "Paare von Einrichtungen, von denen mindestens eine die andere nennt."),
        ("Dichte (%)", _share(m.density, 1), "Anteil aller möglichen Paare, die kooperieren."),
        ("Gerichtete Dichte (%)", _share(m.directed_density, 1),
         "Anteil aller möglichen Nennungen (A nennt B), die vorkommen."),
    ]
    if d is not None:
        rows += [
            ("Dichte innerhalb der Handlungsfelder (%)", _share(d.inside, 1),
             "Kooperationen im selben Handlungsfeld, gemessen an den dort möglichen Paaren."),
            ("Dichte zwischen Handlungsfeldern (%)", _share(d.across, 1),
             "Kooperationen über Handlungsfelder hinweg, gemessen an den dort möglichen Paaren."),
            ("Gerichtete Dichte innerhalb der Handlungsfelder (%)", _share(d.inside_directed, 1),
             "Nennungen im selben Handlungsfeld, gemessen an den dort möglichen Nennungen."),
            ("Gerichtete Dichte zwischen Handlungsfeldern (%)", _share(d.across_directed, 1),
             "Nennungen über Handlungsfelder hinweg, gemessen an den dort möglichen Nennungen."),
        ]
    rows += [
        ("Gegenseitigkeit der Nennungen (%)", _share(m.reciprocity, 0), "Anteil der Nennungen, die erwidert werden."),
        ("Gegenseitigkeit unter Antwortenden (%)", _share(m.reciprocity_respondents, 0),
         "Ebenso, nur Nennungen zwischen zwei Antwortenden (nur sie konnten einander nennen)."),
        ("Zusammenhängende Teilnetze", m.components,
         "Gruppen von Einrichtungen, die untereinander, aber nicht mit den übrigen verbunden sind."),
        ("Isolierte Akteure", len(m.isolates), "Einrichtungen ohne jede Kooperation."),
        ("Anteil der Kooperationen über Handlungsfelder hinweg (%)", _share(m.cross_sector_share, 0),
         "Anteil der Kooperationen (beide Handlungsfelder bekannt), die zwei verschiedene Handlungsfelder "
         "verbinden; hoch schon, weil die meisten möglichen Paare über Handlungsfelder hinweg liegen – die "
         "Dichten vergleichen."),
    ]
    note = ("Eine Kooperation ist ein Paar von Einrichtungen, von denen mindestens eine die andere nennt. "
            "Die Dichten sind Untergrenzen: Wer nicht geantwortet hat, konnte niemanden nennen.")
    sentence = d.sentence() if d is not None else ""
    return Table("netzwerk", "Kennzahlen des Kooperationsnetzwerks",
                 (Column("Kennzahl"), Column("Wert", Type.COUNT), EXPLAIN), tuple(rows), section="netzwerke",
                 chart="netzwerk", sheet=sheet_title("netzwerk"), note=f"{sentence} {note}".strip())


def significant_decimals(value: float | None, digits: int = 2) -> int:
    """The decimals that show `value` with `digits` significant digits (0.1234 → 2, 0.01234 → 3)."""
    if not value:
        return 0
    return max(0, digits - 1 - math.floor(math.log10(abs(value))))


def broker_table(dataset: Dataset, m: network_mod.NetworkMetrics) -> Table:
    """The bridge actors, their betweenness with two significant digits (so close values stay apart)."""
    rows = tuple((c.name, dataset.sector_label(c.sector), Value(c.value, Type.NUMBER, significant_decimals(c.value)))
                 for c in m.betweenness_top)
    columns = (Column("Einrichtung"), Column("Handlungsfeld"), Column("Wert (0–1)", Type.NUMBER, 3))
    return Table("brueckenakteure", "Brückenakteure", columns, rows, section="netzwerke",
                 sheet=sheet_title("brueckenakteure"),
                 note="Betweenness-Zentralität: der Anteil der kürzesten Wege zwischen zwei anderen Einrichtungen, "
                      "die über diese Einrichtung laufen (0 = keiner, 1 = alle); zwei signifikante Stellen.")


def sector_matrix_table(matrix: network_mod.SectorMatrix) -> Table:
    labels = [o.label for o in matrix.sectors]
    columns = (Column("Handlungsfeld"), *(Column(label, Type.COUNT) for label in labels))
    rows = tuple((label, *counts) for label, counts in zip(labels, matrix.counts, strict=True))
    return Table("netzwerk-handlungsfelder", "Kooperationen zwischen Handlungsfeldern", columns, rows,
                 section="netzwerke", chart="netzwerk-handlungsfelder", sheet=sheet_title("netzwerk-handlungsfelder"),
                 note=("Anzahl der Kooperationen (Paare); die Diagonale zählt Kooperationen innerhalb eines "
                       "Handlungsfelds. " + (matrix.densities.sentence() if matrix.densities else "")).strip(),
                 in_chart=True)


def network_tables(dataset: Dataset, audience: Audience, metrics: network_mod.NetworkMetrics | None = None,
                   matrix: network_mod.SectorMatrix | None = None) -> list[Table]:
    """Key figures, bridge actors and the sector matrix (graph and metrics built when not given)."""
    if network_withheld(dataset, audience):
        message = network_message(audience)
        return [withheld_table("netzwerk", "Kennzahlen des Kooperationsnetzwerks", message, "netzwerke", "netzwerk"),
                withheld_table("netzwerk-handlungsfelder", "Kooperationen zwischen Handlungsfeldern", message,
                               "netzwerke",
                          "netzwerk-handlungsfelder")]
    if metrics is None or matrix is None:
        graph = network_mod.build_graph(dataset)
        metrics = metrics or network_mod.metrics(graph)
        matrix = matrix or network_mod.sector_matrix(graph, dataset)
    return [network_metrics_table(metrics), broker_table(dataset, metrics), sector_matrix_table(matrix)]


# -- every table of the results page -------------------------------------------------------------------


def question_tables(dataset: Dataset, audience: Audience) -> list[Table]:
    """A table per question that has a chart on the page (offers and partners: see coverage, network)."""

    from . import keys
    from .statistics import summarise

    found = []
    for question in dataset.questions:
        if question.key in (keys.OFFERS, keys.PARTNERS) or question.kind not in KINDS:
            continue
        if KINDS[question.kind].chart == NO_CHART:
            continue
        summary = summarise(dataset, question)
        if summary is not None:
            found.append(summary_table(question.key, summary, audience))
    return found


def dataset_tables(dataset: Dataset, audience: Audience, **coverage_filters: Iterable[str] | None) -> list[Table]:
    """Every table of the results page for `dataset` (already filtered), in page order; the same
    list the page shows (`survey.services.results.charts.page_tables`), for the CLI, notebooks, benchmarks."""
    from . import keys

    found = [overview_table(dataset, audience), response_over_time_table(dataset, audience),
             *rate_tables(dataset, audience),
             *actor_tables(dataset, audience)]
    if dataset.question(keys.OFFERS) is not None:
        found += [coverage_table(name, matrix, audience)
                  for name, matrix in coverage_matrices(dataset, **coverage_filters).items()]
    if dataset.question(keys.PARTNERS) is not None:
        found += network_tables(dataset, audience)
    return found + question_tables(dataset, audience)
