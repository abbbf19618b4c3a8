"""The PDF report of the results page: the page's sections, in the page's order, as an
`analysis.report.Report`, with the chart images the page has already rendered (`chart_images`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Mapping
from typing import Any

from analysis import keys as analysis_keys
from analysis import report as doc
from analysis.charts.frame import (
    render,
)

from . import chart_images
from .results.charts import (
    Chart,
    Viewer,
)

REPORT_FORMAT = "png"  # the format the results page shows: the report reuses its cached images


def _renderer(key: Hashable, viewer: Viewer) -> doc.Render:
    def image(name: str, draw: Any) -> bytes | None:
        def make() -> bytes | None:
            figure = draw()
            return render(figure, REPORT_FORMAT) if figure is not None else None
        return chart_images.image((key, viewer, name, REPORT_FORMAT), make)
    return image


def _figure(chart: Chart | None, render: doc.Render, title: str | None = None) -> doc.Figure | doc.Sentences | None:
    """A chart of the page with its table; a withheld chart as its message only."""
    if chart is None:
        return None
    return doc.table_figure(chart.data, chart.figure, render, title or chart.title)


def _add(section: doc.Section, block: Any) -> None:
    if block is not None:
        section.blocks.append(block)


def build(data: Mapping[str, Any], *, title: str, kommune: str, viewer: Viewer, key: Hashable,
          responses: int, filters: str, today: dt.date) -> doc.Report:
    """The report of what the results page shows (`data`: the page's cached data)."""
    render = _renderer(key, viewer)
    sections = []

    rucklauf = doc.Section("ruecklauf", "Rücklauf")
    _add(rucklauf, doc.from_model(data["overview_table"]))
    _add(rucklauf, _figure(data["response_chart"], render))
    for table in data["rate_tables"]:
        _add(rucklauf, doc.from_model(table))
    sections.append(rucklauf)

    akteure = doc.Section("akteure", "Akteure", "Wer hat geantwortet? Handlungsfeld, Trägerart und Stadtteil stammen "
                          "aus dem Akteursverzeichnis, sonst aus den Antworten.")
    for chart in data["actor_charts"]:
        _add(akteure, _figure(chart, render))
    sections.append(akteure)

    if data["has_offers"]:
        abdeckung = doc.Section("abdeckung", "Angebote und Abdeckung der Präventionskette",
                                "Wo fehlen Angebote (Lücken), wo häufen sie sich? Jedes Angebot zählt in jeder "
                                "Lebensphase und jedem Stadtteil, für die es gedacht ist.")
        coverage = data["coverage_charts"]
        if coverage:
            first = coverage[0]
            _add(abdeckung, _figure(first, render))
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
                _add(abdeckung, _figure(chart, render))
        sections.append(abdeckung)

    if data["has_partners"]:
        netz = doc.Section("netzwerke", "Netzwerke")
        charts = data["network_charts"]
        if charts:
            drawing = charts[0]
            _add(netz, _figure(drawing, render))
            if data.get("brokers") is not None:
                _add(netz, doc.from_model(data["brokers"]))
            _add(netz, _figure(charts[1], render))
        sections.append(netz)

    fragen = doc.Section("fragen", "Alle Fragen")
    for question, chart in data["questions"]:
        if chart is not None and question.key not in (analysis_keys.OFFERS, analysis_keys.PARTNERS):
            _add(fragen, _figure(chart, render, question.prompt))
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
                      min_group=viewer.min_group, suppressing=viewer.suppressing)
