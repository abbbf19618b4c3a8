"""Every chart stays legible with long German labels: no two texts overlap, none leaves the figure.

The chart functions are found in `analysis.charts` and `analysis.wave_charts` (every public function
that returns a Figure), so a new chart is covered as soon as it has an entry in `CASES`, and the test
fails until it does. The inputs are generated from a seed: long labels of several words (what
planners' vocabularies look like, e.g. "Kinder- und Jugendhilfe, Jugendsozialarbeit und
Familienbildung"), long single words that must not be broken, many sectors, districts and actors.

What "overlap" means: the boxes matplotlib reports for the drawn texts (`get_window_extent` with the
renderer that drew them) intersect by more than a pixel.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import pkgutil
import random
from collections.abc import Callable

import pytest
from matplotlib.figure import Figure

import analysis.charts
from analysis import coverage, network, overview, privacy, wave_charts
from analysis import statistics as st
from analysis.charts import answers as answer_charts
from analysis.charts import defaults as default_charts
from analysis.charts import frame as chart_frame
from analysis.charts import heatmaps as heatmap_charts
from analysis.charts import network as network_drawing
from analysis.charts import response as response_charts
from analysis.dataset import ActorRecord, Dataset, InvitationRecord, ResponseRecord
from analysis.waves import coverage as wave_coverage
from analysis.waves import networks as wave_networks
from analysis.waves import questions as wave_questions
from analysis.waves import series as wave_series
from analysis.waves import wave as wave_base
from legibility import drawn_texts, legibility_problems
from questionnaires.model import Option, Question

UTC = dt.UTC
WORDS = (
    "Kinder- und Jugendhilfe", "Jugendsozialarbeit", "Familienbildung", "Gesundheitsförderung", "Frühe Hilfen",
    "Kindertagesbetreuung", "offene Ganztagsschule", "Schulsozialarbeit", "Erziehungsberatung",
    "Eingliederungshilfe", "Sprachförderung", "Integration und Migration", "Stadtentwicklung und Wohnen",
    "Ausbildung und Arbeit (z. B. Jobcenter, Agentur für Arbeit)", "Polizei und Justiz", "Sport und Bewegung",
    "Kultur", "Soziales und soziale Sicherung", "Kindertagespflegepersonenvermittlung",
    "Schwangerschaftskonfliktberatung", "Beratung für Alleinerziehende", "Quartiersmanagement",
)
PLACES = ("Düren-Nord", "Birkesdorf", "Gürzenich", "Merzenich-Girbelsrath", "Kreuzau (Ortsteil Untermaubach)",
          "Hürtgenwald-Vossenack", "Langerwehe", "Niederzier-Oberzier", "Aldenhoven", "Inden/Altdorf",
          "Nideggen-Schmidt", "Heimbach")
KINDS = ("Familienzentrum", "Kindertagesstätte", "Grundschule", "Beratungsstelle", "Jugendzentrum",
         "Gesundheitsamt", "Sportverein", "Frühförderstelle")


def label(rng: random.Random, words: int) -> str:
    parts = rng.sample(WORDS, words)
    return parts[0] if words == 1 else ", ".join(parts[:-1]) + " und " + parts[-1]


def options(rng: random.Random, prefix: str, count: int) -> tuple[Option, ...]:
    return tuple(Option(f"{prefix}{i}", label(rng, rng.choice((1, 1, 2, 3)))) for i in range(count))


class Long:
    """A survey whose every label is long; `size` actors (≤ 25 are drawn by name in the network)."""

    def __init__(self, seed: int, size: int) -> None:
        rng = random.Random(seed)
        self.sectors = options(rng, "s", 13)
        self.phases = options(rng, "p", 5)
        self.districts = tuple(Option(f"d{i}", place) for i, place in enumerate(PLACES[:10]))
        self.groups = options(rng, "g", 8)
        scale = (Option("1", "trifft voll und ganz zu"), Option("2", "trifft eher zu"), Option("3", "teils, teils"),
                 Option("4", "trifft eher nicht zu"), Option("5", "trifft überhaupt nicht zu"),
                 Option("x", "kann ich nicht beurteilen"))
        self.questions = (
            Question("akteur.sektor", "single_choice", "In welchem Handlungsfeld der Präventionskette ist Ihre "
                     "Einrichtung überwiegend tätig? Bitte wählen Sie das wichtigste aus.", options=self.sectors),
            Question("netzwerk.themen", "multiple_choice", "Welche Themen behandelt Ihr Netzwerk? Bitte wählen Sie "
                     "alle zutreffenden aus, auch wenn sie nur gelegentlich vorkommen.",
                     options=options(rng, "t", 12)),
            Question("netzwerk.gruendung", "year", "Seit wann besteht das Netzwerk (Gründungsjahr)?"),
            Question("akteur.mitarbeitende", "number", "Wie viele Fachkräfte arbeiten bei Ihnen?", integer=False),
            Question("netzwerk.zufriedenheit", "likert", "Wie zufrieden sind Sie insgesamt mit der Zusammenarbeit "
                     "im Netzwerk?", options=scale),
            Question("netzwerk.bewertung", "matrix", "Wie bewerten Sie die folgenden Aspekte des Netzwerks?",
                     options=scale, items=options(rng, "i", 6)),
            Question("netzwerk.fokus", "long_text", "Gibt es einen Fokus des Netzwerks? Bitte beschreiben Sie ihn."),
            Question("angebote.angebote", "group", "Welche Angebote machen Sie?", fields=(
                Question("angebote.angebote.name", "short_text", "Name des Angebots"),
                Question("angebote.angebote.lebensphasen", "multiple_choice", "Lebensphasen", options=self.phases),
                Question("angebote.angebote.zielgruppen", "multiple_choice", "Zielgruppen", options=self.groups),
                Question("angebote.angebote.stadtteile", "district", "Stadtteile", options=self.districts),
            )),
            Question("kooperation.partner", "partner_roster", "Mit wem arbeiten Sie zusammen?", fields=(
                Question("kooperation.partner.haeufigkeit", "single_choice", "Wie oft?",
                         options=(Option("monatlich", "monatlich"),)),
            )),
        )
        self.actors = tuple(
            ActorRecord(f"a{i}", f"{rng.choice(KINDS)} {rng.choice(PLACES)} der Arbeiterwohlfahrt e. V. Nr. {i}",
                        rng.choice(self.sectors).code, "frei", (rng.choice(self.districts).code,))
            for i in range(size)
        )
        sentences = ("Übergang Kita – Grundschule gemeinsam gestalten und Eltern früh einbeziehen.",
                     "Wir konzentrieren uns auf Familien mit Kindern unter drei Jahren im Quartier.", "Kinderschutz")
        responses = []
        for i, actor in enumerate(self.actors):
            partners = rng.sample(self.actors, min(len(self.actors), rng.randint(1, 4)))
            responses.append(ResponseRecord(i + 1, "submitted", dt.datetime(2026, 3, 1 + i % 20, 9, tzinfo=UTC),
                                            actor.code, actor.name, {
                "akteur.sektor": actor.sector,
                "netzwerk.themen": [o.code for o in rng.sample(self.questions[1].options, 3)],
                "netzwerk.gruendung": rng.choice((1987, 2005, 2005, 2007, 2012, 2019, 2024)),
                "akteur.mitarbeitende": rng.choice((2, 4.5, 12, 35, 120)),
                "netzwerk.zufriedenheit": rng.choice(scale).code,
                "netzwerk.bewertung": {item.code: rng.choice(scale).code for item in self.questions[5].items},
                "netzwerk.fokus": rng.choice(sentences),
                "angebote.angebote": [{
                    "name": f"Angebot {i}-{k}", "lebensphasen": [rng.choice(self.phases).code],
                    "zielgruppen": [rng.choice(self.groups).code],
                    "stadtteile": [d.code for d in rng.sample(self.districts, 2)],
                } for k in range(2)],
                "kooperation.partner": [{"actor": p.code, "name": "", "haeufigkeit": "monatlich"}
                                        for p in partners if p is not actor],
            }))
        self.dataset = Dataset(self.questions, tuple(responses), self.actors, self.districts, self.sectors,
                               invitations=tuple(InvitationRecord(i, a.code, "submitted")
                                                 for i, a in enumerate(self.actors)), title="Lange Beschriftungen")
        # A second wave: half the answers, so every comparison has changes to show.
        later = Dataset(self.questions, tuple(responses[::2]), self.actors, self.districts, self.sectors,
                        invitations=self.dataset.invitations, title="Lange Beschriftungen, Folgebefragung")
        self.waves = (wave_base.Wave("Herbst 2024", self.dataset), wave_base.Wave("Frühjahr 2026", later))

    def question(self, key: str) -> Question:
        found = self.dataset.question(key)
        assert found is not None
        return found

    def summary(self, key: str):
        return st.summarise(self.dataset, self.question(key))


def _suppressed_frequencies(data: Long):
    summary = data.summary("akteur.sektor")
    return privacy.suppress(summary, min_group=6, planner=False)


CASES: dict[str, list[Callable[[Long], Figure | None]]] = {
    "placeholder": [lambda d: chart_frame.placeholder(d.question("netzwerk.fokus").prompt * 2, "Noch keine Antworten.",
                                                 chart_frame.n_label(0))],
    "bar_chart": [lambda d: answer_charts.bar_chart(d.summary("akteur.sektor")),
                  lambda d: answer_charts.bar_chart(d.summary("netzwerk.themen")),
                  lambda d: answer_charts.bar_chart(_suppressed_frequencies(d), 6)],
    "histogram": [lambda d: answer_charts.histogram(d.summary("netzwerk.gruendung")),
                  lambda d: answer_charts.histogram(d.summary("akteur.mitarbeitende"))],
    "likert_chart": [lambda d: answer_charts.likert_chart(d.summary("netzwerk.zufriedenheit")),
                     lambda d: answer_charts.likert_chart(d.summary("netzwerk.bewertung"))],
    "text_list": [lambda d: answer_charts.text_list(d.summary("netzwerk.fokus"))],
    "response_over_time": [lambda d: response_charts.response_over_time(overview.submissions_over_time(d.dataset),
                                                               len(d.actors))],
    "coverage_heatmap": [lambda d: heatmap_charts.coverage_heatmap(coverage.phase_by_district(d.dataset)),
                         lambda d: heatmap_charts.coverage_heatmap(coverage.phase_by_sector(d.dataset)),
                         lambda d: heatmap_charts.coverage_heatmap(coverage.target_group_by_phase(d.dataset))],
    "sector_heatmap": [lambda d: heatmap_charts.sector_heatmap(network.sector_matrix(network.build_graph(d.dataset),
                                                                             d.dataset))],
    "network_chart": [lambda d: network_drawing.network_chart(network.build_graph(d.dataset), d.dataset)],
    "summary_chart": [lambda d: default_charts.summary_chart(d.summary("netzwerk.bewertung"))],
    "chart_for": [lambda d, key=key: default_charts.chart_for(d.dataset, d.question(key), planner=True)
                  for key in ("akteur.sektor", "angebote.angebote", "kooperation.partner")],
    "comparison_chart": [lambda d: wave_charts.comparison_chart(
        wave_questions.compare_question(d.waves, "akteur.sektor", planner=True)[0]),
                         lambda d: wave_charts.comparison_chart(
                             wave_questions.compare_question(d.waves, "netzwerk.themen")[0])],
    "coverage_change_heatmap": [lambda d: wave_charts.coverage_change_heatmap(wave_coverage.compare_coverage(d.waves))],
    "network_change_chart": [lambda d: wave_charts.network_change_chart(wave_networks.compare_networks(d.waves))],
    "trend_chart": [lambda d: wave_charts.trend_chart(*wave_series.series(d.waves))],
}


# Every module of the `analysis.charts` package, so a new chart module is checked without listing it here.
CHART_MODULES = [importlib.import_module(m.name)
                 for m in pkgutil.iter_modules(analysis.charts.__path__, "analysis.charts.")]


def chart_functions() -> list[str]:
    """The public functions of the chart modules that return a figure."""
    found = []
    for module in (*CHART_MODULES, wave_charts):
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ != module.__name__ or name.startswith("_") or name == "new_figure":
                continue
            if "Figure" in str(inspect.signature(function).return_annotation):
                found.append(name)
    return sorted(found)


SMALL_TOO = {"network_chart", "chart_for", "network_change_chart"}  # drawn by name up to 25 actors


@pytest.fixture(scope="module")
def surveys() -> dict[int, Long]:
    return {40: Long(1, 40), 14: Long(2, 14)}


@pytest.fixture(scope="module")
def long(surveys) -> Long:
    return surveys[40]


def test_every_chart_function_has_a_legibility_case():
    assert sorted(CASES) == chart_functions()


@pytest.mark.parametrize("case", [(name, i, size) for name in sorted(CASES) for i in range(len(CASES[name]))
                                  for size in ((40, 14) if name in SMALL_TOO else (40,))],
                         ids=lambda c: f"{c[0]}-{c[1]}-{c[2]}-actors")
def test_no_text_overlaps_another_or_leaves_the_figure(surveys, case):
    name, index, size = case
    fig = CASES[name][index](surveys[size])
    assert fig is not None
    assert legibility_problems(fig) == []
    assert b"<text" in chart_frame.render(fig, "svg")  # real text, not glyph paths


def test_no_label_is_broken_inside_a_word(long):
    vocabulary = {w.strip(",()") for text in WORDS + PLACES + KINDS for w in text.split()}
    for make in CASES["coverage_heatmap"] + CASES["sector_heatmap"] + CASES["bar_chart"]:
        texts, _renderer = drawn_texts(make(long))
        for text in texts:
            for token in text.get_text().split():
                token = token.strip(",()…")
                if token in vocabulary or len(token) < 5:
                    continue
                broken = [w for w in vocabulary
                          if len(w) >= 10 and len(w) > len(token) and (w.startswith(token) or w.endswith(token))]
                assert not broken, f"{token!r} is a piece of {broken[0]!r} in {text.get_text()!r}"


def test_a_suppressed_share_is_a_dash_never_a_number_that_reads_as_percent(long):
    shown = _suppressed_frequencies(long)
    assert any(row.count is None for row in shown.rows)
    bars = [t.get_text() for t in answer_charts.bar_chart(shown, 6).axes[0].texts]
    assert "< 6 (–)" in bars and all("%" in t or t == "< 6 (–)" for t in bars)
    (comparison,) = wave_questions.compare_question(long.waves, "akteur.sektor", min_group=6)
    fig = wave_charts.comparison_chart(comparison, 6)
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert "–" in labels and not any(t.startswith("<") for t in labels)


def test_years_read_as_years(long):
    fig = answer_charts.histogram(long.summary("netzwerk.gruendung"))
    texts, _renderer = drawn_texts(fig)
    joined = " ".join(t.get_text() for t in texts)
    assert "Median 2007" in joined and "2.0" not in joined
