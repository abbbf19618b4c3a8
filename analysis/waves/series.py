"""The series as a whole: indicators over the waves (the trend chart) and all responses of all
waves in one CSV.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from questionnaires.kinds import NUMBER, kind_of

from .. import coverage as coverage_mod
from .. import export
from .. import network as network_mod
from .. import overview as overview_mod
from ..dataset import Dataset
from ..statistics import frequencies, numeric_summary
from .coverage import active_offers
from .questions import one_row_choice
from .wave import Wave, labels_of, submitted_of


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
    data = [submitted_of(w) for w in waves]
    respondents = tuple(len(d.responses) for d in data)
    found: list[Indicator] = []
    needs_network = {"density", "cross_sector_share"} & set(indicators)
    networks = [network_mod.metrics(network_mod.build_graph(d), top_n=0) for d in data] if needs_network else []
    coverage = ([coverage_mod.phase_by_district(active_offers(d)) for d in data]
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
    return labels_of(waves), found


def _question_indicator(data: Sequence[Dataset], key: str, option: str | None) -> Indicator:
    questions = [d.question(key) for d in data]
    asked = next((q for q in reversed(questions) if q is not None), None)
    if asked is None:
        raise ValueError(f"no wave asks {key!r}")
    if kind_of(asked).family == NUMBER:
        summaries = [numeric_summary(d, q) if q else None for d, q in zip(data, questions, strict=True)]
        return Indicator(f"mean:{key}", f"Mittelwert: {asked.prompt}",
                         tuple(s.mean if s else None for s in summaries), tuple(s.n if s else 0 for s in summaries),
                         decimals=1)
    if one_row_choice(asked):
        if not option:
            raise ValueError(f"{key!r} is a choice question: give the option whose share to show")
        tables = [frequencies(d, q) if q else None for d, q in zip(data, questions, strict=True)]
        values = tuple(next((r.percent for r in t.rows if r.code == option), None) if t else None for t in tables)
        label = asked.option_label(option)
        return Indicator(f"share:{key}={option}", f"Anteil „{label}“: {asked.prompt}", values,
                         tuple(t.n if t else 0 for t in tables), percent=True)
    raise ValueError(f"{key!r} ({asked.kind}) has no mean or option share")


def series_csv(waves: Sequence[Wave], dialect: str = "excel_de", *, submitted_only: bool = True) -> Iterator[bytes]:
    """All responses of all waves in one CSV with a leading `wave` column (streamed chunks)."""
    return export.series_responses_csv(
        [(w.label, w.dataset.questions, (submitted_of(w) if submitted_only else w.dataset).responses) for w in waves],
        dialect,
    )
