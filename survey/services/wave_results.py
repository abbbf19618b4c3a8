"""The comparison of survey waves as its page, downloads and PDF show it: the chart model
(`WaveChart`, `Comparison`: each chart with its table), built from the compared surveys for one
viewer (planner or analyst, small-number rules) and cached, and the comparison PDF; which
organisations answered which wave (`only_common` for `?beide=1`, `missing_later`).

The comparisons themselves are `analysis.waves`; creating waves and pre-filling them is
`services/waves`. Views pass who looks (`planner`, `min_group`) and which waves (`both`).
"""

from __future__ import annotations

import dataclasses
import io
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from analysis import wave_charts
from analysis.charts import frame as chart_frame
from analysis.waves import coverage as wave_coverage
from analysis.waves import networks as wave_networks
from analysis.waves import questions as wave_questions
from analysis.waves import response as wave_response
from analysis.waves import series as wave_series
from analysis.waves.wave import (
    Wave,
)

from ..models import Survey
from . import row_access
from . import waves as wave_service
from .results import cache as results_cache
from .results import dataset as results_dataset


def waves_of(surveys: list[Survey], planner: bool, analysed: bool = True, both: bool = False) -> list[Wave]:
    """The compared surveys as analysis waves (contact data for planners; `analysed`: as analysts see
    them, see `results_dataset.analysed`); `both`: only organisations that answered every wave."""
    contacts = planner

    def dataset_of(s: Survey):
        dataset, _key = results_cache.dataset_for(s, False, contacts)
        return results_dataset.analysed(dataset) if analysed else dataset

    waves = [Wave(label, dataset_of(s)) for label, s in zip(wave_service.wave_labels(surveys), surveys, strict=True)]
    return only_common(waves) if both else waves


def respondent_key(record: Any) -> str:
    """Who answered, across waves: the actor code, else the organisation name (case-folded)."""
    return record.actor or "name:" + " ".join(str(record.organisation).casefold().split())


def only_common(waves: Sequence[Wave]) -> list[Wave]:
    """The waves restricted to organisations that submitted in every one of them (a panel), so a
    wave still running does not look like lost offers and ties."""
    sets = [{respondent_key(r) for r in w.dataset.submitted().responses} for w in waves]
    common = set.intersection(*sets) if sets else set()
    return [Wave(w.label, dataclasses.replace(w.dataset, responses=tuple(
        r for r in w.dataset.responses if r.submitted and respondent_key(r) in common))) for w in waves]


def missing_later(waves: Sequence[Wave]) -> list[tuple[str, str, int, int]]:
    """(earlier, later, answered earlier, of those not answered later) for consecutive waves."""
    result = []
    for earlier, later in itertools.pairwise(waves):
        before = {respondent_key(r) for r in earlier.dataset.submitted().responses}
        after = {respondent_key(r) for r in later.dataset.submitted().responses}
        result.append((earlier.label, later.label, len(before), len(before - after)))
    return result


def smallest_wave(waves: Sequence[Wave]) -> int:
    """Submitted responses of the smallest wave (coverage and networks are hidden below MIN_GROUP)."""
    return min((len(w.dataset.submitted().responses) for w in waves), default=0)


def rows_refusal(surveys: list[Survey], waves: list[Wave], planner: bool, min_group: int) -> str:
    """Why an analyst may not have the compared waves' row-level data ("" when they may, and for planners)."""
    if planner:
        return ""
    for s, w in zip(surveys, waves, strict=True):
        refused = row_access.refusal(s, False, min_group, len(w.dataset.submitted().responses))
        if refused:
            return f"{w.label}: {refused}" if len(surveys) > 1 else refused
    return ""


def free_text(surveys: list[Survey], planner: bool) -> bool:
    """Whether the viewer may see the respondents' own words of every compared wave."""
    return planner or all(row_access.free_text(s) for s in surveys)


def _fmt(value: Any, decimals: int = 1) -> Any:
    if isinstance(value, float):
        return round(value, decimals)
    return value


@dataclass
class WaveChart:
    """One comparison chart: its table (header, rows; also the CSV download) and how to draw it."""

    name: str
    title: str
    header: list[str]
    rows: list[list[Any]]
    draw: Callable[[], Figure] | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Comparison:
    """Everything the comparison page, its downloads and its PDF show."""

    labels: list[str]
    surveys: list[Survey]
    charts: list[WaveChart]
    hidden: str = ""  # why coverage and networks are not shown
    both: bool = False
    missing: list[tuple[str, str, int, int]] = field(default_factory=list)
    running: list[str] = field(default_factory=list)  # labels of waves still open
    coverage: Any = None
    networks: Any = None

    def chart(self, name: str) -> WaveChart | None:
        return next((c for c in self.charts if c.name == name), None)

    def section(self, prefix: str) -> list[WaveChart]:
        return [c for c in self.charts if c.name.startswith(prefix)]


def _response_chart(waves, labels) -> WaveChart:
    rows = []
    for w in wave_response.compare_response(waves):
        o = w.overview
        rate = round(100 * w.response_rate, 1) if w.response_rate is not None else "–"
        rows.append([w.label, o.invited, o.submitted, rate])
    _labels, indicators = wave_series.series(waves, ("response_rate",))
    return WaveChart("ruecklauf", "Rücklauf je Befragung",
                     ["Befragung", "Eingeladen", "Abgeschickt", "Rücklaufquote (%)"],
                     rows, lambda: wave_charts.trend_chart(_labels, indicators, "Rücklaufquote je Befragung"))


def _coverage_charts(comparison, labels, refused: str = "", free_text: bool = True) -> list[WaveChart]:
    header = ["Befragung", "Lebensphase"] + [c.label for c in comparison.columns]
    rows = []
    for label, grid in zip(labels, comparison.counts, strict=True):
        for row, line in zip(comparison.rows, grid, strict=True):
            rows.append([label, row.label, *["–" if v is None else v for v in line]])
    change = comparison.overall
    for row, line in zip(comparison.rows, change.deltas, strict=True):
        rows.append([f"Veränderung {change.earlier} → {change.later}", row.label,
                     *["–" if v is None else v for v in line]])
    offers = change.offers
    offer_rows = ([["neu", r.organisation, r.name] for r in offers.new]
                  + [["beendet", r.organisation, r.name] for r in offers.ended]
                  + [["nicht gemeldet", r.organisation, r.name] for r in offers.not_reported])
    if refused:  # one row per offer is row-level content
        offer_rows = []
    elif not free_text:  # the offer's name is the respondent's own words
        offer_rows = [[change_word, organisation, "–"] for change_word, organisation, _name in offer_rows]
    return [
        WaveChart("abdeckung", "Angebote nach Lebensphase und Stadtteil", header, rows,
                  lambda: wave_charts.coverage_change_heatmap(comparison),
                  extra={"change": change, "comparison": comparison}),
        WaveChart("angebote", f"Angebote {change.earlier} → {change.later}: neu, beendet, nicht gemeldet",
                  ["Veränderung", "Organisation", "Angebot"], offer_rows, note=refused),
    ]


def _network_chart(comparison) -> WaveChart:
    header = ["Befragung", "Akteure", "Antwortende", "Kooperationen", "Dichte", "Zentralisierung",
              "Anteil über Handlungsfelder (%)"]
    rows = [[f.label, f.actors, f.respondents, f.ties, round(f.density, 3),
             "–" if f.centralisation is None else round(f.centralisation, 2),
             "–" if f.cross_sector_share is None else round(100 * f.cross_sector_share, 1)]
            for f in comparison.figures]
    return WaveChart("netzwerk", "Kooperationsnetzwerk je Befragung", header, rows,
                     lambda: wave_charts.network_change_chart(comparison), extra={"comparison": comparison})


def _question_charts(waves, min_group: int, planner: bool) -> list[WaveChart]:
    found = []
    for item in wave_questions.compare_questions(waves, min_group=min_group, planner=planner):
        header, rows = wave_questions.comparison_table(item)
        rows = [[_fmt(c) for c in row] for row in rows]
        draw = None
        if isinstance(item, wave_questions.FrequencyComparison):
            draw = partial(wave_charts.comparison_chart, item, min_group)
        name = "frage-" + item.key.replace("/", "--")
        found.append(WaveChart(name, item.prompt, header, rows, draw, extra={"key": item.key},
                               note=wave_questions.option_changes(waves, item.key)))
    return found


def _trend_chart(waves) -> WaveChart:
    labels, indicators = wave_series.series(waves)
    header = ["Kennzahl", *labels]
    rows = [[i.label, *["–" if v is None else round(v, 3 if i.decimals > 1 else 1) for v in i.values]]
            for i in indicators]
    return WaveChart("trend", "Entwicklung über die Befragungen", header, rows,
                     lambda: wave_charts.trend_chart(labels, indicators))


def comparison(surveys: list[Survey], planner: bool, min_group: int, both: bool) -> Comparison:
    """The comparison of `surveys` (oldest first) for this viewer, cached while no wave's data changes."""
    stamp = tuple(results_cache.data_stamp(s) for s in surveys)
    key = ("waves", tuple(s.id for s in surveys), stamp, planner, min_group, both)
    return results_cache.cached(key, lambda: _build(surveys, planner, min_group, both))


def _build(surveys: list[Survey], planner: bool, min_group: int, both: bool = False) -> Comparison:
    waves = waves_of(surveys, planner, both=both)
    labels = [w.label for w in waves]
    charts_: list[WaveChart] = [_response_chart(waves_of(surveys, planner) if both else waves, labels)]
    result = Comparison(labels, surveys, charts_, both=both,
                        missing=missing_later(waves_of(surveys, planner)) if not both else [],
                        running=[label for label, s in zip(labels, surveys, strict=True) if s.is_open])
    if len(waves) < 2:
        return result
    charts_ += _question_charts(waves, min_group, planner)
    if not planner and smallest_wave(waves) < min_group:
        result.hidden = (f"Angebote und Netzwerk werden erst gezeigt, wenn in jeder Befragung mindestens "
                         f"{min_group} Antworten eingegangen sind (Schutz kleiner Zahlen).")
    else:
        result.coverage = wave_coverage.compare_coverage(waves)
        result.networks = wave_networks.compare_networks(waves)
        charts_ += _coverage_charts(result.coverage, labels, rows_refusal(surveys, waves, planner, min_group),
                                    free_text(surveys, planner))
        charts_.append(_network_chart(result.networks))
    if len(waves) >= 3:
        charts_.append(_trend_chart(waves))
    return result


def pdf(comparison: Comparison, title: str) -> bytes:
    """Every drawable chart of the comparison, one per page."""
    buffer = io.BytesIO()
    with PdfPages(buffer, metadata={"Title": f"Vergleich: {title}", "Creator": "Lückenlos"}) as document:
        for item in comparison.charts:
            if item.draw is not None:
                with chart_frame.style():
                    document.savefig(item.draw())
    return buffer.getvalue()
