"""The PDF report of the results page: the page's sections, in the page's order, as an
`analysis.report.Report`, with the chart images the page has already rendered (`chart_images`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Mapping
from typing import Any

from analysis import keys as analysis_keys
from analysis import report as doc
from analysis.charts import render

from . import chart_images
from .results import Chart, Viewer

REPORT_FORMAT = "png"  # the format the results page shows: the report reuses its cached images


def _renderer(key: Hashable, viewer: Viewer) -> doc.Render:
    def image(name: str, draw: Any) -> bytes | None:
        def make() -> bytes | None:
            figure = draw()
            return render(figure, REPORT_FORMAT) if figure is not None else None
        return chart_images.image((key, viewer, name, REPORT_FORMAT), make)
    return image


def _figure(chart: Chart | None, viewer: Viewer, render: doc.Render, title: str | None = None
            ) -> doc.Figure | doc.Sentences | None:
    """A chart of the page as a figure with its table; a withheld chart as its message only."""
    if chart is None:
        return None
    title = title or chart.title
    if chart.suppressed:
        message = str(chart.rows[0][0]) if chart.rows and chart.rows[0] else ""
        return doc.Sentences(title, [], message)
    rows = chart.rows
    table = doc.Table(title, chart.header, rows[: doc.TABLE_ROWS], more_rows=max(0, len(rows) - doc.TABLE_ROWS))
    return doc.figure(chart.name, title, chart.figure, render, table, chart.note)


def _add(section: doc.Section, block: Any) -> None:
    if block is not None:
        section.blocks.append(block)


def build(data: Mapping[str, Any], *, title: str, kommune: str, viewer: Viewer, key: Hashable,
          responses: int, filters: str, today: dt.date) -> doc.Report:
    """The report of what the results page shows (`data`: the page's cached data)."""
    render = _renderer(key, viewer)
    suppressing = viewer.suppressing
    sections = []

    overview = data["overview"]
    rate = overview.response_rate
    rucklauf = doc.Section("ruecklauf", "Rücklauf")
    rucklauf.blocks.append(doc.Table("Rücklauf im Überblick", ["Stand", "Anzahl"], [
        ["Eingeladen", overview.invited], ["Geöffnet", overview.opened], ["In Bearbeitung", overview.in_progress],
        ["Abgeschickt", overview.submitted], ["Rücklaufquote (%)", round(100 * rate, 1) if rate is not None else None],
    ], f"Nicht mitgezählt: {overview.not_sent} noch nicht versandt, {overview.failed} nicht zustellbar, "
       f"{overview.withdrawn} zurückgezogen." if overview.not_sent or overview.failed or overview.withdrawn else ""))
    _add(rucklauf, _figure(data["response_chart"], viewer, render))
    note = f"Quoten erst ab {viewer.min_group} Eingeladenen." if suppressing else ""
    rucklauf.blocks.append(doc.Table("Rücklauf nach Stadtteil", ["Stadtteil", "Eingeladen", "Abgeschickt", "Quote (%)"],
                                     data["rates_district"], note))
    rucklauf.blocks.append(doc.Table("Rücklauf nach Handlungsfeld",
                                     ["Handlungsfeld", "Eingeladen", "Abgeschickt", "Quote (%)"],
                                     data["rates_sector"], note))
    sections.append(rucklauf)

    akteure = doc.Section("akteure", "Akteure", "Wer hat geantwortet? Handlungsfeld, Trägerart und Stadtteil stammen "
                          "aus dem Akteursverzeichnis, sonst aus den Antworten.")
    for chart in data["actor_charts"]:
        _add(akteure, _figure(chart, viewer, render))
    sections.append(akteure)

    if data["has_offers"]:
        abdeckung = doc.Section("abdeckung", "Angebote und Abdeckung der Präventionskette",
                                "Wo fehlen Angebote (Lücken), wo häufen sie sich? Jedes Angebot zählt in jeder "
                                "Lebensphase und jedem Stadtteil, für die es gedacht ist.")
        coverage = data["coverage_charts"]
        if coverage:
            first = coverage[0]
            _add(abdeckung, _figure(first, viewer, render))
            matrix = first.extra.get("matrix")
            if matrix is not None and not matrix.offers:
                abdeckung.intro += " Noch keine Angebote gemeldet."
            elif not first.suppressed:
                abdeckung.blocks.append(doc.Sentences(
                    "Lücken in Worten", data["gaps"],
                    "Keine Lücken: in jeder Lebensphase gibt es in jedem Stadtteil mindestens ein Angebot."))
                abdeckung.blocks.append(doc.Sentences(
                    "Auffällig dichte Zellen", data["dense"], "Keine auffällig dichten Zellen.",
                    "Mindestens drei Angebote und mindestens doppelt so viele wie in einer typischen versorgten "
                    "Zelle – ein Hinweis auf mögliche Überversorgung." if data["dense"] else ""))
            for chart in coverage[1:]:
                _add(abdeckung, _figure(chart, viewer, render))
        sections.append(abdeckung)

    if data["has_partners"]:
        netz = doc.Section("netzwerke", "Netzwerke")
        charts = data["network_charts"]
        if charts:
            drawing = charts[0]
            _add(netz, _figure(drawing, viewer, render))
            if not drawing.suppressed:
                netz.blocks.append(doc.Table(
                    "Brückenakteure", ["Einrichtung", "Handlungsfeld", "Wert"], data["brokers"],
                    "Einrichtungen, über die viele kürzeste Wege im Netzwerk laufen (Betweenness-Zentralität, 0 bis 1)."))
            _add(netz, _figure(charts[1], viewer, render))
        sections.append(netz)

    fragen = doc.Section("fragen", "Alle Fragen")
    for question, chart in data["questions"]:
        if chart is not None and question.key not in (analysis_keys.OFFERS, analysis_keys.PARTNERS):
            _add(fragen, _figure(chart, viewer, render, question.prompt))
        elif question.key == analysis_keys.OFFERS:
            fragen.blocks.append(doc.Sentences(question.prompt, [], "Siehe Abschnitt „Angebote und Abdeckung“; "
                                               "jedes Angebot einzeln im Download „Angebote (CSV)“."))
        elif question.key == analysis_keys.PARTNERS:
            fragen.blocks.append(doc.Sentences(question.prompt, [], "Siehe Abschnitt „Netzwerke“; jede Nennung "
                                               "einzeln im Download „Kooperationen (CSV)“."))
        else:
            fragen.blocks.append(doc.Sentences(question.prompt, [], "Ohne Diagramm; die Antworten stehen im "
                                               "Download „Antworten (CSV)“."))
    sections.append(fragen)

    return doc.Report(title=title, sections=sections, date=today, kommune=kommune, filters=filters,
                      suppression=doc.suppression_rule(viewer.min_group, viewer.planner), responses=responses,
                      min_group=viewer.min_group, suppressing=suppressing)
