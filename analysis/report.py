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
from functools import partial
from typing import Any

import jinja2
from matplotlib.figure import Figure as MplFigure

from questionnaires import formatting as fmt

from . import coverage, keys, network, overview, tables
from .charts import answers as answer_charts
from .charts import defaults as default_charts
from .charts import frame as chart_frame
from .charts import heatmaps as heatmap_charts
from .charts import network as network_drawing
from .charts import response as response_charts
from .dataset import Dataset
from .pdf import html_to_pdf, resource_name
from .privacy import DEFAULT_MIN_GROUP, suppressed_label
from .statistics import Frequencies, summarise

TABLE_ROWS = 60  # rows of a chart's table in the report (free texts: the CSV has all)
ALT_ROWS = 30  # rows of a chart's numbers spelled out in its alt text (when no table is printed)
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
    numeric: frozenset[int] | None = None  # right-aligned columns (None: guessed from the values)

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
        all_numeric = table.numeric is None or table.numeric >= set(range(1, len(header)))
        numeric = (None if table.numeric is None
                   else frozenset(range(1, len(labels) + 1)) if all_numeric else frozenset())
        return replace(table, header=[turned, *labels], rows=rows, numeric=numeric)
    return table


@dataclass
class Figure:
    """A chart at text width with its figure text and, below it, the table of its numbers — unless
    the chart prints every number itself (`numbers`: then they are spelled out in the alt text)."""

    title: str
    image: bytes
    mime: str
    note: str = ""
    table: Table | None = None
    suppressed: bool = False
    numbers: str = ""  # the numbers in words, for a chart without a table below it

    @property
    def alt(self) -> str:
        if self.table and self.table.rows:
            tail = " Die Zahlen stehen in der Tabelle darunter."
        elif self.numbers:
            tail = f" {self.numbers}"
        else:
            tail = ""
        return f"Diagramm: {fmt.sentence(self.title)}{tail}"

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


def from_model(table: tables.Table, limit: int = TABLE_ROWS) -> Table | Sentences:
    """A table of the results-table model as the report prints it (German text as on the page);
    a table withheld for privacy as its message."""
    if table.withheld:
        return Sentences(table.title, [], table.withheld)
    rows = [[text for text, _column in row] for row in table.display_rows(limit)]
    numeric = frozenset(i for i, column in enumerate(table.columns) if i and column.numeric)
    return Table(table.title, table.header, rows, table.note, max(0, len(table.rows) - limit), numeric=numeric)


def numeric_columns(table: Table) -> set[int]:
    """Columns (after the first) whose cells are all numbers or empty: right-aligned."""
    if table.numeric is not None:
        return set(table.numeric)
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
    first = min(max(len(text) for text in labels) * CHAR_MM + PAD_MM, 80.0)
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
        report=report, cell=cell, numeric_columns=numeric_columns, column_widths=column_widths, Table=Table,
        Figure=Figure, Sentences=Sentences)


def pdf(report: Report) -> bytes:
    """The report as tagged PDF bytes."""
    images = {block.src: (block.image, block.mime) for block in blocks_of(report) if isinstance(block, Figure)}
    return html_to_pdf(html(report), images)


# -- a report from a dataset alone (command line) ------------------------------------------------------


Render = Callable[[str, Callable[[], MplFigure | None]], bytes | None]


def _render_directly(_name: str, draw: Callable[[], MplFigure | None]) -> bytes | None:
    figure = draw()
    return chart_frame.render(figure, FIGURE_FORMAT) if figure is not None else None


MIME = {"svg": "image/svg+xml", "png": "image/png"}


def figure(name: str, title: str, draw: Callable[[], MplFigure | None], render: Render,
           table: Table | None = None, note: str = "", suppressed: bool = False) -> Figure | None:
    """A figure block from a chart's drawing function (`render` may take it from a cache)."""
    image = render(name, draw)
    if image is None:
        return None
    mime = MIME["svg"] if image.lstrip()[:5] in (b"<?xml", b"<svg ") else MIME["png"]
    return Figure(title, image, mime, note, table, suppressed)


@dataclass(frozen=True)
class Audience:
    """Who reads the report (`tables.Audience`): planners see everything, analysts get suppression."""

    planner: bool
    min_group: int

    @property
    def suppressing(self) -> bool:
        return not self.planner and self.min_group > 1


def table_figure(table: tables.Table, draw: Callable[[], MplFigure | None], render: Render,
                 title: str | None = None) -> Figure | Sentences | None:
    """A chart with the table of its numbers; a table withheld for privacy as its message only."""
    shown = from_model(table)
    if isinstance(shown, Sentences):
        return replace(shown, title=title or shown.title)
    if table.in_chart:  # the chart carries the numbers: no second copy as a table (half the PDF's layout)
        block = figure(table.chart or table.key, title or table.title, draw, render, None, table.note)
        return replace(block, numbers=numbers_in_words(table)) if block else None
    return figure(table.chart or table.key, title or table.title, draw, render, shown, table.note)


def numbers_in_words(table: tables.Table, limit: int = ALT_ROWS) -> str:
    """A table's rows as one sentence for a figure's alt text ("Kita: 12, 40 %; Schule: 8, 27 %.")."""
    header = table.header
    parts = []
    for row in table.display_rows(limit):
        label, *cells = [text for text, _column in row]
        if len(header) > 3:  # a matrix: name the column of each number
            cells = [f"{h} {c}" for h, c in zip(header[1:], cells, strict=True) if c not in ("", "0")]
        parts.append(fmt.labelled(label, ", ".join(c for c in cells if c) or "–"))
    if not parts:
        return ""
    more = f" … und {fmt.number(len(table.rows) - limit)} weitere." if len(table.rows) > limit else ""
    return "Werte: " + "; ".join(parts) + "." + more


def _overview_section(dataset: Dataset, audience: Audience, render: Render) -> Section:
    section = Section("ruecklauf", "Rücklauf")
    counts = overview.overview(dataset.invitations)
    if dataset.invitations:
        section.blocks.append(from_model(tables.overview_table(dataset, audience)))
    points = overview.submissions_over_time(dataset)
    if points:
        block = table_figure(tables.response_over_time_table(dataset, audience),
                             lambda: response_charts.response_over_time(points, counts.invited), render)
        if block:
            section.blocks.append(block)
    if dataset.invitations:
        section.blocks += [from_model(t) for t in tables.rate_tables(dataset, audience)]
    return section


def _actor_section(dataset: Dataset, audience: Audience, render: Render) -> Section:
    from .privacy import suppress

    section = Section("akteure", "Akteure", "Wer hat geantwortet? Handlungsfeld, Trägerart und Stadtteil stammen "
                      "aus dem Akteursverzeichnis, sonst aus den Antworten.")
    for (_name, summary), table in zip(tables.actor_summaries(dataset), tables.actor_tables(dataset, audience),
                                       strict=True):
        shown = suppress(summary, audience.min_group, audience.planner)
        assert isinstance(shown, Frequencies)  # suppress keeps the kind of summary
        block = table_figure(table, partial(answer_charts.bar_chart, shown, audience.min_group), render)
        if block:
            section.blocks.append(block)
    return section


def _coverage_section(dataset: Dataset, audience: Audience, render: Render) -> Section | None:
    if dataset.question(keys.OFFERS) is None:
        return None
    section = Section("abdeckung", "Angebote und Abdeckung der Präventionskette",
                      "Wo fehlen Angebote (Lücken), wo häufen sie sich? Jedes Angebot zählt in jeder Lebensphase "
                      "und jedem Stadtteil, für die es gedacht ist.")
    for n, (name, matrix) in enumerate(tables.coverage_matrices(dataset).items()):
        table = tables.coverage_table(name, matrix, audience)
        block = table_figure(table, partial(heatmap_charts.coverage_heatmap, matrix), render)
        if block:
            section.blocks.append(block)
        if n == 0 and not table.withheld:
            gaps = [f"{phase}: kein Angebot in {district}." for phase, district in coverage.gap_list(matrix)]
            section.blocks.append(Sentences("Lücken in Worten", gaps, "Keine Lücken: in jeder Lebensphase gibt es "
                                            "in jedem Stadtteil mindestens ein Angebot."))
    return section


def _network_section(dataset: Dataset, audience: Audience, render: Render) -> Section | None:
    if dataset.question(keys.PARTNERS) is None:
        return None
    section = Section("netzwerke", "Netzwerke")
    if tables.network_withheld(dataset, audience):
        section.intro = tables.network_message(audience)
        return section
    graph = network.build_graph(dataset)
    matrix = network.sector_matrix(graph, dataset)
    metrics_table, brokers, matrix_table = tables.network_tables(dataset, audience, network.metrics(graph), matrix)
    for block in (table_figure(metrics_table, lambda: network_drawing.network_chart(graph, dataset), render,
                               "Kooperationsnetzwerk"),
                  from_model(brokers),
                  table_figure(matrix_table, lambda: heatmap_charts.sector_heatmap(matrix), render)):
        if block:
            section.blocks.append(block)
    return section


def _question_section(dataset: Dataset, audience: Audience, render: Render) -> Section:
    from .privacy import suppress

    section = Section("fragen", "Alle Fragen")
    for question in dataset.questions:
        if question.key in (keys.OFFERS, keys.PARTNERS):  # drawn in their own sections
            continue
        summary = summarise(dataset, question)
        if summary is None:
            continue
        shown = suppress(summary, audience.min_group, audience.planner)
        block = table_figure(tables.summary_table(question.key, summary, audience),
                             partial(default_charts.summary_chart, shown, audience.min_group), render)
        if block:
            section.blocks.append(block)
    return section


def suppression_rule(min_group: int, planner: bool) -> str:
    """The suppression rule in words, for the title page."""
    if planner or min_group <= 1:
        return "Ohne Unterdrückung kleiner Zahlen (Fassung für die Planung, nicht zur Weitergabe bestimmt)."
    return (f"Zum Schutz der Antwortenden sind Werte aus weniger als {fmt.number(min_group)} Antworten "
            f"ausgeblendet ({tables.MARK}).")


def report_from_dataset(dataset: Dataset, *, min_group: int = DEFAULT_MIN_GROUP, planner: bool = False,
                        today: dt.date | None = None, description: str = "Alle Einrichtungen",
                        kommune: str = "", render: Render | None = None) -> Report:
    """The report of a (filtered, submitted-only) dataset, computed from the dataset alone."""
    render = render or _render_directly
    audience = Audience(planner, min_group)
    sections: list[Section | None] = [
        _overview_section(dataset, audience, render),
        _actor_section(dataset, audience, render),
        _coverage_section(dataset, audience, render),
        _network_section(dataset, audience, render),
        _question_section(dataset, audience, render),
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
