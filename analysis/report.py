"""The PDF report: title page, response overview, one chart per question, coverage, network and
their key tables (matplotlib `PdfPages`, one figure per page)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator, Sequence
from typing import Any

from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from questionnaires import formatting as fmt

from . import charts, coverage, keys, network, overview
from .charts import wrap
from .dataset import Dataset
from .privacy import DEFAULT_MIN_GROUP, suppress_table, suppressed_label

A4 = (8.27, 11.69)
TABLE_ROWS_PER_PAGE = 32


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return fmt.number(value, 1 if not value.is_integer() else 0)
    if isinstance(value, int):
        return fmt.number(value)
    return wrap(str(value), 45, 2)


def table_figures(title: str, header: Sequence[str], rows: Sequence[Sequence[Any]], note: str = "") -> Iterator[Figure]:
    """One or more pages showing a table (long tables continue on further pages)."""
    rows = list(rows) or [["keine Einträge"] + [""] * (len(header) - 1)]
    for start in range(0, len(rows), TABLE_ROWS_PER_PAGE):
        chunk = rows[start : start + TABLE_ROWS_PER_PAGE]
        fig = charts.new_figure(1.2 + 0.26 * len(chunk))
        with charts.style():
            ax = fig.add_subplot()
            ax.set_axis_off()
            table = ax.table(cellText=[[_cell(v) for v in row] for row in chunk], colLabels=list(header),
                             loc="upper center", cellLoc="left", colLoc="left")
            table.auto_set_font_size(False)
            table.set_fontsize(7.5)
            table.scale(1, 1.35)
            for (r, _c), cell in table.get_celld().items():
                cell.set_edgecolor("#CCCCCC")
                if r == 0:
                    cell.set_text_props(fontweight="bold")
                    cell.set_facecolor("#EEF3F8")
            suffix = " (Fortsetzung)" if start else ""
            charts.head(fig, title + suffix, f"{fmt.number(len(rows))} Zeilen", note)
        yield fig


def title_page(dataset: Dataset, today: dt.date, description: str = "", suppression: str = "") -> Figure:
    with charts.style():
        fig = Figure(figsize=A4)
        fig.text(0.1, 0.75, wrap(dataset.title or "Bestandsaufnahme", 40, 4), fontsize=22, fontweight="bold",
                 va="top")
        fig.text(0.1, 0.58, "Auswertung", fontsize=14, color="#444444")
        submitted = sum(1 for r in dataset.responses if r.submitted)
        lines = [f"Stand: {fmt.date(today)}", f"Eingereichte Antworten: {fmt.number(submitted)}"]
        if description:
            lines.append(description)
        if suppression:
            lines.append(suppression)
        fig.text(0.1, 0.52, "\n".join(lines), fontsize=10, va="top", linespacing=1.6)
        fig.text(0.1, 0.08, "Zahlen zeigen, wo etwas fehlt oder sich häuft – nicht, wie gut es ist.\n"
                            "Freitexte und das Wissen der Fachleute vor Ort gehören zur Deutung dazu.",
                 fontsize=8.5, color="#555555")
    return fig


def _overview_pages(dataset: Dataset, min_group: int, planner: bool) -> Iterator[Figure]:
    if not dataset.invitations:
        if any(r.submitted_at for r in dataset.responses):
            yield charts.response_over_time(overview.submissions_over_time(dataset))
        return
    counts = overview.overview(dataset.invitations)
    rate = counts.response_rate
    rows = [
        ["Eingeladen", counts.invited], ["Geöffnet", counts.opened], ["In Bearbeitung", counts.in_progress],
        ["Eingereicht", counts.submitted], ["Rücklaufquote", fmt.percent(100 * rate) if rate is not None else "–"],
        ["Noch nicht versandt", counts.not_sent], ["Nicht zustellbar", counts.failed],
        ["Zurückgezogen", counts.withdrawn],
    ]
    yield from table_figures("Rücklauf im Überblick", ["", "Anzahl"], rows)
    yield charts.response_over_time(overview.submissions_over_time(dataset), counts.invited)
    for title, groups in (("Rücklauf nach Stadtteil", overview.rate_by_district(dataset)),
                          ("Rücklauf nach Handlungsfeld", overview.rate_by_sector(dataset))):
        table = [[g.label, g.invited, g.submitted,
                  fmt.percent(100 * g.rate) if g.rate is not None and (planner or g.invited >= min_group) else "–"]
                 for g in groups]
        table = suppress_table(table, [2], min_group, planner)
        yield from table_figures(title, ["", "Eingeladen", "Eingereicht", "Quote"], table,
                                 "" if planner else f"Quoten erst ab {min_group} Eingeladenen.")


def _coverage_pages(dataset: Dataset) -> Iterator[Figure]:
    if dataset.question(keys.OFFERS) is None:
        return
    by_district = coverage.phase_by_district(dataset)
    yield charts.coverage_heatmap(by_district)
    yield charts.coverage_heatmap(coverage.phase_by_sector(dataset))
    yield charts.coverage_heatmap(coverage.target_group_by_phase(dataset))
    yield from table_figures("Lücken: Lebensphase und Stadtteil ohne Angebot", ["Lebensphase", "Stadtteil"],
                             coverage.gap_list(by_district))


def _network_pages(dataset: Dataset) -> Iterator[Figure]:
    if dataset.question(keys.PARTNERS) is None:
        return
    graph = network.build_graph(dataset)
    m = network.metrics(graph)
    yield charts.network_chart(graph, dataset)
    yield charts.sector_heatmap(network.sector_matrix(graph, dataset))
    share = m.cross_sector_share
    rows = [
        ["Akteure", m.actors], ["davon geantwortet", m.respondents], ["Nennungen", m.nominations],
        ["Kooperationen (Paare)", m.ties], ["Dichte", fmt.percent(100 * m.density, 1)],
        ["Gegenseitigkeit", fmt.percent(100 * m.reciprocity) if m.reciprocity is not None else "–"],
        ["Zusammenhängende Teilnetze", m.components], ["Isolierte Akteure", len(m.isolates)],
        ["Anteil über Handlungsfelder hinweg", fmt.percent(100 * share) if share is not None else "–"],
    ]
    yield from table_figures("Netzwerk-Kennzahlen", ["Kennzahl", "Wert"], rows)
    brokers = [[c.name, dataset.sector_label(c.sector), fmt.number(c.value, 2)] for c in m.betweenness_top]
    yield from table_figures("Brückenakteure (Betweenness-Zentralität)", ["Akteur", "Handlungsfeld", "Wert"], brokers,
                             "Akteure, über die viele kürzeste Wege im Netzwerk laufen.")


def pages(dataset: Dataset, *, min_group: int = DEFAULT_MIN_GROUP, planner: bool = False,
          today: dt.date | None = None, description: str = "") -> Iterator[Figure]:
    """Every page of the report, in order."""
    note = "" if planner else f"Werte aus weniger als {min_group} Antworten sind unterdrückt ({suppressed_label(min_group)})."
    yield title_page(dataset, today or dt.datetime.now(fmt.BERLIN).date(), description, note)
    yield from _overview_pages(dataset, min_group, planner)
    for question in dataset.questions:
        if question.key in (keys.OFFERS, keys.PARTNERS):
            continue
        fig = charts.chart_for(dataset, question, min_group=min_group, planner=planner)
        if fig is not None:
            yield fig
    yield from _coverage_pages(dataset)
    yield from _network_pages(dataset)


def pdf_report(dataset: Dataset, *, min_group: int = DEFAULT_MIN_GROUP, planner: bool = False,
               today: dt.date | None = None, description: str = "") -> bytes:
    """The whole report as PDF bytes (use a filtered, submitted-only dataset)."""
    buffer = io.BytesIO()
    metadata = {"Title": dataset.title or "Auswertung", "Creator": "Lückenlos"}
    with charts.style(), PdfPages(buffer, metadata=metadata) as pdf:
        for fig in pages(dataset, min_group=min_group, planner=planner, today=today, description=description):
            pdf.savefig(fig)
    return buffer.getvalue()
