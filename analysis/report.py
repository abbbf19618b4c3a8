"""The PDF report as a document: a model (sections of figures, tables and sentences), its HTML
(Jinja2 templates in `analysis/templates/report/`) and the tagged PDF made from it with WeasyPrint.

The app builds the `Report` from what the results page shows (`survey/services/report.py`), so the
report has the page's sections in the page's order and reuses its rendered chart images;
`report_from_dataset` builds one from a dataset alone (the command line on a CSV export).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import jinja2
from matplotlib.figure import Figure as MplFigure
from questionnaires import formatting as fmt

from . import charts, coverage, keys, network, overview
from .dataset import Dataset
from .pdf import html_to_pdf, resource_name
from .privacy import DEFAULT_MIN_GROUP, suppress_table, suppressed_label
from .statistics import as_table, summarise

TABLE_ROWS = 60  # rows of a chart's table in the report (free texts: the CSV has all)
PORTRAIT_COLUMNS = 8  # a table with more columns than this gets a landscape page (8 pt does not fit)
NUMBERED_COLUMNS = 16  # … or this many when the columns are headed by numbers
FIGURE_FORMAT = "png"  # raster at 150 dpi: WeasyPrint draws matplotlib SVGs ten times slower


@dataclass
class Table:
    """A table with a header row (repeated on every page it continues on)."""

    title: str
    header: Sequence[str]
    rows: Sequence[Sequence[Any]]
    note: str = ""
    more_rows: int = 0
    numbered: bool = False  # columns headed 1, 2, … (a square matrix: the rows say what they are)

    @property
    def wide(self) -> bool:
        return len(self.header) > (NUMBERED_COLUMNS if self.numbered else PORTRAIT_COLUMNS) + 1


def printable(table: Table) -> Table:
    """The table as it fits an A4 page at 8 pt: a square matrix (rows and columns the same labels)
    gets numbered columns, a matrix with more columns than rows is turned, so that only a matrix
    that is still too wide needs a landscape page."""
    header = list(table.header)
    if len(header) <= PORTRAIT_COLUMNS + 1 or not table.rows:
        return table
    labels = [str(row[0]) for row in table.rows]
    if labels == [str(h) for h in header[1:]]:
        return replace(table, numbered=True)
    if len(header) - 1 > len(table.rows) and not table.more_rows:
        corner = str(header[0])
        turned = " \\ ".join(reversed(corner.split(" \\ "))) if " \\ " in corner else corner
        rows = [[column, *(row[i] if i < len(row) else None for row in table.rows)]
                for i, column in enumerate(header[1:], start=1)]
        return replace(table, header=[turned, *labels], rows=rows)
    return table


@dataclass
class Figure:
    """A chart at text width with its figure text and, below it, the table of its numbers."""

    title: str
    image: bytes
    mime: str
    note: str = ""
    table: Table | None = None
    suppressed: bool = False

    @property
    def alt(self) -> str:
        tail = " Die Zahlen stehen in der Tabelle darunter." if self.table and self.table.rows else ""
        return f"Diagramm: {self.title}.{tail}"

    @property
    def src(self) -> str:
        return resource_name(self.image)


@dataclass
class Sentences:
    """A short list in words (gaps, dense cells)."""

    title: str
    items: Sequence[str]
    empty: str = ""
    note: str = ""


@dataclass
class Section:
    anchor: str
    title: str
    intro: str = ""
    blocks: list[Table | Figure | Sentences] = field(default_factory=list)


@dataclass
class Report:
    """Everything the title page and the sections show."""

    title: str
    sections: list[Section]
    date: dt.date
    kommune: str = ""
    filters: str = "Alle Einrichtungen"
    suppression: str = ""
    responses: int = 0
    min_group: int = DEFAULT_MIN_GROUP
    suppressing: bool = False

    @property
    def suppressed_text(self) -> str:
        return suppressed_label(self.min_group) if self.suppressing else "–"


# -- rendering ----------------------------------------------------------------------------------------


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("analysis", "templates"),
                             autoescape=jinja2.select_autoescape(default=True), trim_blocks=True, lstrip_blocks=True)
    env.filters["de_date"] = fmt.date
    env.filters["de_number"] = fmt.number
    env.filters["printable"] = printable
    return env


_ENV: jinja2.Environment | None = None


def cell(value: Any, suppressed_text: str = "–") -> str:
    """A table cell as the page shows it: German numbers, "–" or the suppression label for gaps."""
    if value is None:
        return suppressed_text
    if value is True or value is False:
        return "ja" if value else "nein"
    if isinstance(value, float):
        return fmt.number(value, 1)
    if isinstance(value, int):
        return fmt.number(value)
    if isinstance(value, dt.datetime):
        return fmt.datetime(value)
    if isinstance(value, dt.date):
        return fmt.date(value)
    return str(value)


def numeric_columns(table: Table) -> set[int]:
    """Columns (after the first) whose cells are all numbers or empty: right-aligned."""
    found = set()
    for i in range(1, len(table.header)):
        values = [row[i] for row in table.rows if i < len(row) and row[i] is not None]
        if values and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            found.add(i)
    return found


CHAR_MM = 1.75  # width of a bold 8 pt DejaVu Sans character, generously
PAD_MM = 3.5  # cell padding left and right
TEXT_WIDTH_MM = {False: 170.0, True: 257.0}  # portrait, landscape


def column_widths(table: Table) -> list[float]:
    """Column widths in percent for a fixed table layout (fast, and no word is cut): every other
    column as wide as its longest header word or cell, the label column takes the rest."""
    def longest_word(value: Any) -> int:
        return max((len(word) for word in str(value).split()), default=1)

    width = TEXT_WIDTH_MM[table.wide]
    needs = []
    for i, head in enumerate(table.header[1:], start=1):
        cells = [cell(row[i]) for row in table.rows if i < len(row)]
        head_chars = 3 if table.numbered else max(longest_word(head), len(str(head)) / 2.5)  # ≤ 3 lines
        chars = max([head_chars, *(min(len(c), 24) for c in cells)])
        needs.append(chars * CHAR_MM + PAD_MM)
    labels = [cell(row[0]) for row in table.rows if row] + [str(table.header[0])]
    first = min(max(len(text) for text in labels) * CHAR_MM * 0.85 + PAD_MM, 80.0)
    first = max(first, max(longest_word(text) for text in labels) * CHAR_MM + PAD_MM)
    rest = sum(needs)
    if first + rest < width:  # room to spare: the label column first, then evenly
        extra = (width - first - rest) / len(needs) if needs else 0
        needs = [n + extra for n in needs]
    total = first + sum(needs)
    return [round(100 * w / total, 2) for w in [first, *needs]]


def html(report: Report) -> str:
    """The report as one HTML document with its print CSS (A4, page numbers, contents)."""
    global _ENV
    if _ENV is None:
        _ENV = _environment()
    return _ENV.get_template("report/report.html").render(
        report=report, cell=cell, numeric_columns=numeric_columns, column_widths=column_widths, Table=Table, Figure=Figure, Sentences=Sentences)


def pdf(report: Report) -> bytes:
    """The report as tagged PDF bytes."""
    images = {block.src: (block.image, block.mime) for block in blocks_of(report) if isinstance(block, Figure)}
    return html_to_pdf(html(report), images)


# -- a report from a dataset alone (command line) ------------------------------------------------------


Render = Callable[[str, Callable[[], MplFigure | None]], bytes | None]


def _render_directly(_name: str, draw: Callable[[], MplFigure | None]) -> bytes | None:
    figure = draw()
    return charts.render(figure, FIGURE_FORMAT) if figure is not None else None


MIME = {"svg": "image/svg+xml", "png": "image/png"}


def figure(name: str, title: str, draw: Callable[[], MplFigure | None], render: Render,
           table: Table | None = None, note: str = "", suppressed: bool = False) -> Figure | None:
    """A figure block from a chart's drawing function (`render` may take it from a cache)."""
    image = render(name, draw)
    if image is None:
        return None
    mime = MIME["svg"] if image.lstrip()[:5] in (b"<?xml", b"<svg ") else MIME["png"]
    return Figure(title, image, mime, note, table, suppressed)


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _overview_section(dataset: Dataset, min_group: int, planner: bool, render: Render) -> Section:
    section = Section("ruecklauf", "Rücklauf")
    points = overview.submissions_over_time(dataset)
    if dataset.invitations:
        counts = overview.overview(dataset.invitations)
        rate = counts.response_rate
        section.blocks.append(Table("Rücklauf im Überblick", ["", "Anzahl"], [
            ["Eingeladen", counts.invited], ["Geöffnet", counts.opened], ["In Bearbeitung", counts.in_progress],
            ["Abgeschickt", counts.submitted],
            ["Rücklaufquote", fmt.percent(100 * rate) if rate is not None else "–"],
        ]))
        invited = counts.invited
    else:
        invited = 0
    if points:
        rows = [[p.day, p.submitted, _rate(p.submitted, invited)] for p in points]
        block = figure("ruecklauf", "Rücklauf im Zeitverlauf", lambda: charts.response_over_time(points, invited), render,
                       Table("Rücklauf im Zeitverlauf", ["Tag", "Eingereicht (kumuliert)", "Rücklaufquote (%)"], rows))
        if block:
            section.blocks.append(block)
    if dataset.invitations:
        for title, groups in (("Rücklauf nach Stadtteil", overview.rate_by_district(dataset)),
                              ("Rücklauf nach Handlungsfeld", overview.rate_by_sector(dataset))):
            rows = [[g.label, g.invited, g.submitted,
                     _rate(g.submitted, g.invited) if planner or g.invited >= min_group else None]
                    for g in groups if g.invited]
            rows = suppress_table(rows, [2], min_group, planner)
            section.blocks.append(Table(title, [title.split()[-1], "Eingeladen", "Abgeschickt", "Quote (%)"], rows,
                                        "" if planner else f"Quoten erst ab {min_group} Eingeladenen."))
    return section


def _matrix_table(matrix: coverage.CoverageMatrix) -> Table:
    header = [f"{matrix.row_title} \\ {matrix.column_title}"] + [o.label for o in matrix.columns]
    return Table(matrix.title, header, [[row.label, *counts] for row, counts in zip(matrix.rows, matrix.counts)])


def _coverage_section(dataset: Dataset, min_group: int, planner: bool, render: Render) -> Section | None:
    if dataset.question(keys.OFFERS) is None:
        return None
    section = Section("abdeckung", "Angebote und Abdeckung der Präventionskette",
                      "Wo fehlen Angebote (Lücken), wo häufen sie sich? Jedes Angebot zählt in jeder Lebensphase "
                      "und jedem Stadtteil, für die es gedacht ist.")
    matrices = [coverage.phase_by_district(dataset), coverage.phase_by_sector(dataset),
                coverage.target_group_by_phase(dataset)]
    if not planner and matrices[0].respondents < min_group:
        section.intro = (f"Angebote von weniger als {min_group} Einrichtungen – zum Schutz der Antwortenden "
                         "nicht dargestellt.")
        return section
    for n, matrix in enumerate(matrices):
        block = figure(f"abdeckung-{n}", matrix.title, lambda m=matrix: charts.coverage_heatmap(m), render,
                       _matrix_table(matrix))
        if block:
            section.blocks.append(block)
        if n == 0:
            gaps = [f"{phase}: kein Angebot in {district}." for phase, district in coverage.gap_list(matrix)]
            section.blocks.append(Sentences("Lücken in Worten", gaps, "Keine Lücken: in jeder Lebensphase gibt es "
                                            "in jedem Stadtteil mindestens ein Angebot."))
    return section


def _network_section(dataset: Dataset, min_group: int, planner: bool, render: Render) -> Section | None:
    if dataset.question(keys.PARTNERS) is None:
        return None
    section = Section("netzwerke", "Netzwerke")
    partners = sum(1 for r in dataset.responses if r.values.get(keys.PARTNERS))
    if not planner and partners < min_group:
        section.intro = (f"Kooperationsangaben von weniger als {min_group} Einrichtungen – zum Schutz der "
                         "Antwortenden nicht dargestellt.")
        return section
    graph = network.build_graph(dataset)
    m = network.metrics(graph)

    def share(value: float | None, decimals: int = 0) -> str:
        return fmt.percent(100 * value, decimals) if value is not None else "–"

    metrics = Table("Kennzahlen", ["Kennzahl", "Wert"], [
        ["Akteure", m.actors], ["davon geantwortet", m.respondents], ["Nennungen (gerichtet)", m.nominations],
        ["Kooperationen (Paare)", m.ties], ["Dichte", share(m.density, 1)],
        ["Gegenseitigkeit der Nennungen", share(m.reciprocity)],
        ["Zusammenhängende Teilnetze", m.components], ["Isolierte Akteure", len(m.isolates)],
        ["Anteil der Kooperationen über Handlungsfelder hinweg", share(m.cross_sector_share)],
    ])
    block = figure("netzwerk", "Kooperationsnetzwerk", lambda: charts.network_chart(graph, dataset), render, metrics)
    if block:
        section.blocks.append(block)
    section.blocks.append(Table("Brückenakteure", ["Einrichtung", "Handlungsfeld", "Wert"],
                                [[c.name, dataset.sector_label(c.sector), round(c.value, 3)] for c in m.betweenness_top],
                                "Einrichtungen, über die viele kürzeste Wege im Netzwerk laufen "
                                "(Betweenness-Zentralität, 0 bis 1)."))
    matrix = network.sector_matrix(graph, dataset)
    labels = [o.label for o in matrix.sectors]
    block = figure("netzwerk-handlungsfelder", "Kooperationen zwischen Handlungsfeldern",
                   lambda: charts.sector_heatmap(matrix), render,
                   Table("Kooperationen zwischen Handlungsfeldern", ["Handlungsfeld", *labels],
                         [[label, *counts] for label, counts in zip(labels, matrix.counts)]))
    if block:
        section.blocks.append(block)
    return section


def _question_section(dataset: Dataset, min_group: int, planner: bool, render: Render) -> Section:
    from .privacy import suppress

    section = Section("fragen", "Alle Fragen")
    for question in dataset.questions:
        if question.kind == "info" or question.key in (keys.OFFERS, keys.PARTNERS):
            continue
        summary = summarise(dataset, question)
        if summary is None:
            continue
        shown = suppress(summary, min_group, planner)
        header, rows = as_table(shown)
        if shown.suppressed:
            rows = [[f"Weniger als {min_group} Antworten – nicht dargestellt."] + [None] * (len(header) - 1)]
        table = Table(question.prompt, header, rows[:TABLE_ROWS], more_rows=max(0, len(rows) - TABLE_ROWS))
        block = figure(question.key, question.prompt, lambda s=shown: charts.summary_chart(s, min_group), render,
                       table, suppressed=shown.suppressed)
        if block:
            section.blocks.append(block)
    return section


def suppression_rule(min_group: int, planner: bool) -> str:
    """The suppression rule in words, for the title page."""
    if planner or min_group <= 1:
        return "Ohne Unterdrückung kleiner Zahlen (Fassung für die Planung, nicht zur Weitergabe bestimmt)."
    return (f"Zum Schutz der Antwortenden sind Werte aus weniger als {fmt.number(min_group)} Antworten "
            f"unterdrückt ({suppressed_label(min_group)}).")


def report_from_dataset(dataset: Dataset, *, min_group: int = DEFAULT_MIN_GROUP, planner: bool = False,
                        today: dt.date | None = None, description: str = "Alle Einrichtungen",
                        kommune: str = "", render: Render | None = None) -> Report:
    """The report of a (filtered, submitted-only) dataset, computed from the dataset alone."""
    render = render or _render_directly
    sections: list[Section | None] = [
        _overview_section(dataset, min_group, planner, render),
        _coverage_section(dataset, min_group, planner, render),
        _network_section(dataset, min_group, planner, render),
        _question_section(dataset, min_group, planner, render),
    ]
    return Report(
        title=dataset.title or "Bestandsaufnahme", kommune=kommune,
        sections=[s for s in sections if s is not None and (s.blocks or s.intro)],
        date=today or dt.datetime.now(fmt.BERLIN).date(), filters=description,
        suppression=suppression_rule(min_group, planner),
        responses=sum(1 for r in dataset.responses if r.submitted),
        min_group=min_group, suppressing=not planner and min_group > 1,
    )


def pdf_report(dataset: Dataset, *, min_group: int = DEFAULT_MIN_GROUP, planner: bool = False,
               today: dt.date | None = None, description: str = "Alle Einrichtungen", kommune: str = "") -> bytes:
    """The whole report of a dataset as PDF bytes (use a filtered, submitted-only dataset)."""
    return pdf(report_from_dataset(dataset, min_group=min_group, planner=planner, today=today,
                                   description=description, kommune=kommune))


def blocks_of(report: Report) -> Iterable[Table | Figure | Sentences]:
    for section in report.sections:
        yield from section.blocks
