"""Comparing waves on a small example whose figures were worked out by hand.

Actors a1 (Jugendhilfe, Nord), a2 (Gesundheit, Mitte), a3 (Jugendhilfe, Nord), a4 (Bildung,
Eving), a5 (Gesundheit, Mitte, never answers).

2024: a1, a2, a3 answer; a4 invited (sent), a5 bounced  → 3 of 4 invited = 75 %.
      offers: a1 Elterncafé (Kita, Nord), Babyclub (Schwangerschaft, Nord); a2 Hebammensprechstunde
      (Schwangerschaft, Mitte); a3 Krabbelgruppe (Kita, Nord).
      ties: a1–a2, a1–a3, a3–a4, a3–a5 (5 actors: density 4/10).
2025: a1, a2, a4 answer; a3 opened, a5 sent  → 3 of 5 = 60 %.
      a1 Elterncafé, Babyclub "beendet", new Jugendtreff (Jugend, Nord); a2 " hebammensprechstunde"
      now also in Eving; a4 new Leseclub (Kita, Eving); a3 (Krabbelgruppe) did not answer.
      ties: a1–a2, a1–a4.
      The phase "Grundschule" was dropped from the options, "Jugend" added.
2026: a1, a2, a3 answer; a4 in progress, a5 withdrawn  → 3 of 4 = 75 %.
      a1 Elterncafé, Jugendtreff "beendet"; a2 answers without the Hebammensprechstunde;
      a3 Krabbelgruppe again; a4 (Leseclub) did not answer.  ties: a1–a2, a1–a3.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import matplotlib.image
import pytest

from analysis import export, wave_charts
from analysis.charts import frame as chart_frame
from analysis.dataset import ActorRecord, Dataset, InvitationRecord, ResponseRecord
from analysis.waves import coverage as wave_coverage
from analysis.waves import networks as wave_networks
from analysis.waves import questions as wave_questions
from analysis.waves import response as wave_response
from analysis.waves import series as wave_series
from analysis.waves.wave import (
    Wave,
)
from questionnaires.model import Option, Question

UTC = dt.UTC
SCHWANGER, KITA, GRUND, JUGEND = (
    Option("schwangerschaft", "Rund um Schwangerschaft und Geburt"), Option("kita", "Rund um die Kita"),
    Option("grundschule", "Grundschule"), Option("jugend", "Rund um die Jugendphase"),
)
OLD_PHASES = (SCHWANGER, KITA, GRUND)
NEW_PHASES = (SCHWANGER, KITA, JUGEND)
DISTRICTS = (Option("nord", "Nordstadt"), Option("mitte", "Innenstadt"), Option("eving", "Eving"))
SECTORS = (Option("jugendhilfe", "Kinder- und Jugendhilfe"), Option("gesundheit", "Gesundheit"),
           Option("bildung", "Bildung"))
ACTORS = (
    ActorRecord("a1", "Jugendamt", "jugendhilfe", "oeffentlich", ("nord",)),
    ActorRecord("a2", "Gesundheitsamt", "gesundheit", "oeffentlich", ("mitte",)),
    ActorRecord("a3", "Familienzentrum Nord", "jugendhilfe", "frei", ("nord",)),
    ActorRecord("a4", "Grundschule Eving", "bildung", "oeffentlich", ("eving",)),
    ActorRecord("a5", "Hebammenpraxis", "gesundheit", "frei", ("mitte",)),
)
NAMES = {a.code: a.name for a in ACTORS}


def questions(phases, extra=()):
    return (
        Question("netzwerk.lebensphasen", "multiple_choice", "Auf welche Lebensphasen richtet sich Ihre Arbeit?",
                 options=phases),
        Question("akteur.mitarbeitende", "number", "Wie viele Fachkräfte arbeiten bei Ihnen?", integer=False),
        Question("angebote.angebote", "group", "Welche Angebote machen Sie?", fields=(
            Question("angebote.angebote.name", "short_text", "Name des Angebots"),
            Question("angebote.angebote.lebensphasen", "multiple_choice", "Lebensphasen", options=phases),
            Question("angebote.angebote.stadtteile", "district", "Stadtteile", options=DISTRICTS),
        )),
        Question("kooperation.partner", "partner_roster", "Mit wem arbeiten Sie zusammen?", fields=(
            Question("kooperation.partner.haeufigkeit", "single_choice", "Wie oft?",
                     options=(Option("monatlich", "monatlich"),)),
        )),
        *extra,
    )


def offer(name, phases, districts, status=""):
    entry = {"name": name, "lebensphasen": list(phases), "stadtteile": list(districts)}
    if status:
        entry["status"] = status
    return entry


def response(rid, actor, phases, staff, offers, partners, status="submitted"):
    return ResponseRecord(rid, status, dt.datetime(2024, 3, 1, tzinfo=UTC), actor, NAMES[actor], {
        "netzwerk.lebensphasen": list(phases), "akteur.mitarbeitende": staff, "angebote.angebote": offers,
        "kooperation.partner": [{"actor": p, "name": "", "haeufigkeit": "monatlich"} for p in partners],
    })


def invitations(**status):
    return tuple(InvitationRecord(i, code, s) for i, (code, s) in enumerate(status.items(), start=1))


def wave(label, phases, responses, invited, extra=()):
    return Wave(label, Dataset(questions(phases, extra), tuple(responses), ACTORS, DISTRICTS, SECTORS,
                               invitations=invited, title=f"Bestandsaufnahme {label}"))


W2024 = wave("2024", OLD_PHASES, [
    response(1, "a1", ["kita", "grundschule"], 10,
             [offer("Elterncafé", ["kita"], ["nord"]), offer("Babyclub", ["schwangerschaft"], ["nord"])],
             ["a2", "a3"]),
    response(2, "a2", ["schwangerschaft"], 4, [offer("Hebammensprechstunde", ["schwangerschaft"], ["mitte"])], ["a1"]),
    response(3, "a3", ["kita"], 6, [offer("Krabbelgruppe", ["kita"], ["nord"])], ["a4", "a5"]),
], invitations(a1="submitted", a2="submitted", a3="submitted", a4="sent", a5="failed"))

W2025 = wave("2025", NEW_PHASES, [
    response(11, "a1", ["kita", "jugend"], 12, [
        offer("Elterncafé", ["kita"], ["nord"], status="unverändert"),
        offer("Babyclub", ["schwangerschaft"], ["nord"], status="beendet"),
        offer("Jugendtreff", ["jugend"], ["nord"]),
    ], ["a2", "a4"]),
    response(12, "a2", ["schwangerschaft", "kita"], 6,
             [offer(" hebammensprechstunde ", ["schwangerschaft"], ["mitte", "eving"])], ["a1"]),
    response(13, "a4", ["kita"], 3, [offer("Leseclub", ["kita"], ["eving"])], []),
    response(14, "a3", ["kita"], 99, [], [], status="in_progress"),  # not submitted: never counted
], invitations(a1="submitted", a2="submitted", a3="opened", a4="submitted", a5="sent"),
    extra=(Question("neu.frage", "single_choice", "Nur 2025 gefragt", options=(Option("ja", "ja"),)),))

W2026 = wave("2026", NEW_PHASES, [
    response(21, "a1", ["kita"], 15, [
        offer("Elterncafé", ["kita"], ["nord"]), offer("Jugendtreff", ["jugend"], ["nord"], status="beendet"),
    ], ["a2", "a3"]),
    response(22, "a2", ["schwangerschaft"], 9, [], ["a1"]),
    response(23, "a3", ["kita", "jugend"], 3, [offer("Krabbelgruppe", ["kita"], ["nord"])], []),
], invitations(a1="submitted", a2="submitted", a3="submitted", a4="in_progress", a5="withdrawn"))

TWO = (W2024, W2025)
THREE = (W2024, W2025, W2026)


def names(refs):
    return sorted(ref.name.strip() for ref in refs)


def row(comparison, code):
    return next(r for r in comparison.rows if r.code == code)


# -- questions -------------------------------------------------------------------------------------


def test_only_questions_of_every_wave_are_compared():
    assert wave_questions.common_keys(TWO) == [
        "netzwerk.lebensphasen", "akteur.mitarbeitende", "angebote.angebote", "kooperation.partner"]
    assert wave_questions.compare_question(TWO, "neu.frage") == []


def test_choice_changes_in_percentage_points_with_options_matched_by_code():
    (comparison,) = wave_questions.compare_question(TWO, "netzwerk.lebensphasen", planner=True)
    assert comparison.n == (3, 3)
    assert [r.code for r in comparison.rows] == ["schwangerschaft", "kita", "grundschule", "jugend"]
    kita = row(comparison, "kita")
    assert kita.counts == (2, 3)
    assert kita.percents == pytest.approx((200 / 3, 100.0))
    assert kita.change == pytest.approx(100 / 3)
    assert row(comparison, "schwangerschaft").change == pytest.approx(0.0)
    dropped, added = row(comparison, "grundschule"), row(comparison, "jugend")
    assert dropped.present == (True, False) and dropped.counts == (1, None) and dropped.change is None
    assert added.present == (False, True) and added.percents[1] == pytest.approx(100 / 3) and added.change is None
    header, rows = wave_questions.comparison_table(comparison)
    assert header[-1] == "Δ 2024 → 2025 (pp)"
    assert rows[2] == ["Grundschule", 1, "–", pytest.approx(100 / 3), "–", "–"]


def test_three_waves_give_steps_and_first_to_last():
    (comparison,) = wave_questions.compare_question(THREE, "netzwerk.lebensphasen", planner=True)
    kita = row(comparison, "kita")
    assert kita.changes == pytest.approx((100 / 3, -100 / 3))
    assert kita.change == pytest.approx(0.0)
    jugend = row(comparison, "jugend")
    assert jugend.changes[0] is None and jugend.changes[1] == pytest.approx(0.0)
    assert jugend.change is None  # 2024 did not offer it


def test_numeric_summaries_and_their_differences():
    (two,) = wave_questions.compare_question(TWO, "akteur.mitarbeitende", planner=True)
    assert two.n == (3, 3)  # the response in progress (99 staff) is left out
    assert two.means == pytest.approx((20 / 3, 7.0))
    assert two.mean_change == pytest.approx(1 / 3)
    assert two.median_change == pytest.approx(0.0)
    (three,) = wave_questions.compare_question(THREE, "akteur.mitarbeitende", planner=True)
    assert three.mean_changes == pytest.approx((1 / 3, 2.0))
    assert three.median_changes == pytest.approx((0.0, 3.0))
    assert three.mean_change == pytest.approx(7 / 3)
    assert three.median_change == pytest.approx(3.0)


def test_small_counts_are_suppressed_for_analysts():
    (comparison,) = wave_questions.compare_question(TWO, "netzwerk.lebensphasen")
    schwanger = row(comparison, "schwangerschaft")
    assert schwanger.counts == (None, None) and schwanger.change is None
    assert row(comparison, "kita").counts == (None, 3)  # 2 of 3 hidden, 3 of 3 shown


def test_every_shared_question_gets_a_comparison():
    found = wave_questions.compare_questions(TWO, planner=True)
    assert [c.key for c in found] == [
        "netzwerk.lebensphasen", "akteur.mitarbeitende", "angebote.angebote", "kooperation.partner"]
    offers = found[2]
    assert offers.means == pytest.approx((4 / 3, 4 / 3))  # the ended Babyclub does not count (else 5/3)


# -- coverage and offers ---------------------------------------------------------------------------


def test_coverage_matrices_on_common_axes_and_cell_deltas():
    comparison = wave_coverage.compare_coverage(TWO)
    assert [o.code for o in comparison.rows] == ["schwangerschaft", "kita", "grundschule", "jugend"]
    assert [o.code for o in comparison.columns] == ["nord", "mitte", "eving"]
    assert comparison.counts[0] == ((1, 1, 0), (2, 0, 0), (0, 0, 0), (None, None, None))
    assert comparison.counts[1] == ((0, 1, 1), (1, 0, 1), (None, None, None), (1, 0, 0))
    change = comparison.overall
    assert change.deltas == ((-1, 0, 1), (-1, 0, 1), (None, None, None), (None, None, None))
    assert change.gaps_closed == {(0, 2), (1, 2)}  # Schwangerschaft and Kita in Eving
    assert change.gaps_opened == {(0, 0)}  # Schwangerschaft in der Nordstadt: the Babyclub ended
    assert change.gaps_kept == {(1, 1)}
    assert (comparison.gaps(0), comparison.gaps(1)) == (6, 4)


def test_new_ended_and_unreported_offers():
    changes = wave_coverage.offer_changes(W2024, W2025)
    assert names(changes.new) == ["Jugendtreff", "Leseclub"]
    assert names(changes.ended) == ["Babyclub"]  # marked "beendet"
    assert names(changes.continued) == ["Elterncafé", "hebammensprechstunde"]  # name normalised
    assert names(changes.not_reported) == ["Krabbelgruppe"]  # a3 did not answer 2025
    assert wave_coverage.active_offer_count(W2025) == 4


def test_three_waves_offers_and_gaps_step_by_step_and_overall():
    comparison = wave_coverage.compare_coverage(THREE)
    second = comparison.steps[1].offers
    assert names(second.new) == ["Krabbelgruppe"]
    assert names(second.ended) == ["Jugendtreff", "hebammensprechstunde"]  # beendet / answered without it
    assert names(second.not_reported) == ["Leseclub"]
    overall = comparison.overall.offers
    assert (names(overall.new), names(overall.ended)) == ([], ["Babyclub", "Hebammensprechstunde"])
    assert names(overall.continued) == ["Elterncafé", "Krabbelgruppe"]
    assert comparison.steps[1].gaps_closed == frozenset()
    assert comparison.steps[1].gaps_opened == {(0, 1), (0, 2), (1, 2), (3, 0)}
    assert comparison.overall.gaps_opened == {(0, 0), (0, 1)}
    assert comparison.change(0, -1) is comparison.overall


# -- networks --------------------------------------------------------------------------------------


def test_ties_added_lost_and_kept():
    comparison = wave_networks.compare_networks(TWO)
    change = comparison.overall
    assert change.added == {("a1", "a4")}
    assert change.lost == {("a1", "a3"), ("a3", "a4"), ("a3", "a5")}
    assert change.kept == {("a1", "a2")}
    assert change.lost_unanswered == {("a3", "a5")}  # neither answered 2025


def test_network_figures_per_wave():
    comparison = wave_networks.compare_networks(THREE)
    figures = comparison.figures
    assert [f.actors for f in figures] == [5, 5, 5]
    assert [f.ties for f in figures] == [4, 2, 2]
    assert [f.density for f in figures] == pytest.approx([0.4, 0.2, 0.2])
    assert [f.centralisation for f in figures] == pytest.approx([7 / 12, 0.5, 0.5])
    assert [f.cross_sector_share for f in figures] == pytest.approx([0.75, 1.0, 0.5])
    assert comparison.steps[1].added == {("a1", "a3")} and comparison.steps[1].lost == {("a1", "a4")}
    assert comparison.overall.added == frozenset()
    assert comparison.overall.lost == {("a3", "a4"), ("a3", "a5")}


def test_freeman_centralisation_of_a_star_is_one():
    import networkx as nx

    assert wave_networks.degree_centralisation(nx.star_graph(4)) == pytest.approx(1.0)
    assert wave_networks.degree_centralisation(nx.cycle_graph(5)) == pytest.approx(0.0)
    assert wave_networks.degree_centralisation(nx.path_graph(2)) is None


# -- response and series ---------------------------------------------------------------------------


def test_response_rate_per_wave():
    found = wave_response.compare_response(THREE)
    assert [w.label for w in found] == ["2024", "2025", "2026"]
    assert [w.overview.invited for w in found] == [4, 5, 4]
    assert [w.response_rate for w in found] == pytest.approx([0.75, 0.6, 0.75])


def test_series_of_indicators():
    labels, found = wave_series.series(THREE, question="akteur.mitarbeitende")
    by_name = {i.name: i for i in found}
    assert labels == ("2024", "2025", "2026")
    assert by_name["response_rate"].values == pytest.approx((75.0, 60.0, 75.0))
    assert by_name["response_rate"].n == (4, 5, 4)
    assert by_name["offers"].values == (4, 4, 2)
    assert by_name["gaps"].values == (6, 4, 8)
    assert by_name["density"].values == pytest.approx((0.4, 0.2, 0.2))
    assert by_name["cross_sector_share"].values == pytest.approx((75.0, 100.0, 50.0))
    assert by_name["mean:akteur.mitarbeitende"].values == pytest.approx((20 / 3, 7.0, 9.0))
    _labels, (share,) = wave_series.series(THREE, (), question="netzwerk.lebensphasen", option="kita")
    assert share.values == pytest.approx((200 / 3, 100.0, 200 / 3))
    assert share.n == (3, 3, 3)
    with pytest.raises(ValueError):
        wave_series.series(THREE, ("nonsense",))


# -- series CSV ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("dialect", "delimiter"), [("excel_de", ";"), ("rfc4180", ",")])
def test_series_csv_has_a_wave_column_and_the_union_of_questions(dialect, delimiter):
    chunks = wave_series.series_csv(THREE, dialect)
    assert not isinstance(chunks, (bytes, list))  # streamed
    data = b"".join(chunks)
    assert data.startswith(b"\xef\xbb\xbf") == (dialect == "excel_de")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=delimiter))
    header = rows[0]
    assert header[:7] == ["wave", "id", "status", "submitted_at", "actor", "organisation", "entered_on_behalf"]
    assert header[7:] == [
        "netzwerk.lebensphasen", "netzwerk.lebensphasen/schwangerschaft", "netzwerk.lebensphasen/kita",
        "netzwerk.lebensphasen/grundschule", "netzwerk.lebensphasen/jugend", "akteur.mitarbeitende",
        "angebote.angebote/anzahl", "kooperation.partner/anzahl", "neu.frage",
    ]
    assert [r[0] for r in rows[1:]] == ["2024"] * 3 + ["2025"] * 3 + ["2026"] * 3  # in progress left out
    first_2025 = dict(zip(header, rows[4], strict=True))
    assert first_2025["id"] == "11" and first_2025["netzwerk.lebensphasen/jugend"] == "1"
    assert dict(zip(header, rows[1], strict=True))["netzwerk.lebensphasen/jugend"] == "0"
    assert dict(zip(header, rows[1], strict=True))["neu.frage"] == ""


def test_series_rows_equal_the_single_wave_layout():
    single = list(export.response_rows(W2024.dataset.questions, W2024.dataset.responses))
    series = list(export.series_response_rows([("2024", W2024.dataset.questions, W2024.dataset.responses)]))
    assert series[0] == ["wave", *single[0]]
    assert series[1:] == [["2024", *r] for r in single[1:]]


# -- charts ----------------------------------------------------------------------------------------


def check(fig):
    png = chart_frame.render(fig, "png")
    image = matplotlib.image.imread(io.BytesIO(png), format="png")
    assert image.shape[1] >= 900
    svg = chart_frame.render(fig, "svg")
    assert svg.lstrip().startswith(b"<?xml") and b"<svg" in svg
    return png


def texts(fig):
    return [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]


@pytest.mark.parametrize("series_", [TWO, THREE], ids=["two", "three"])
def test_comparison_bars_render_with_pp_change(series_):
    (comparison,) = wave_questions.compare_question(series_, "netzwerk.lebensphasen", planner=True)
    fig = wave_charts.comparison_chart(comparison)
    check(fig)
    found = texts(fig)
    if len(series_) == 2:
        assert "+33\u00a0Pp." in found
    assert "– nicht gefragt" in found
    assert any(t.startswith("n = 3 (2024)") for t in found)


def test_suppressed_comparison_renders():
    (comparison,) = wave_questions.compare_question(TWO, "netzwerk.lebensphasen")
    fig = wave_charts.comparison_chart(comparison)
    check(fig)
    found = texts(fig)
    # the share is a dash (never "< 3" beside percentages); the subtitle says why
    assert "–" in found and "< 3" not in found
    assert "–: Anzahl < 3, Anteil nicht dargestellt" in " ".join(found).replace("\n", " ")


def test_coverage_change_heatmap_marks_gaps_with_text_and_hatching():
    fig = wave_charts.coverage_change_heatmap(wave_coverage.compare_coverage(TWO))
    check(fig)
    cell_texts = [t.get_text() for t in fig.axes[0].texts]
    assert sum("Lücke zu" in t for t in cell_texts) == 2
    assert sum("neue Lücke" in t for t in cell_texts) == 1
    assert "\u22121\n1 → 0\nneue Lücke" in cell_texts
    assert {p.get_hatch() for p in fig.axes[0].patches if p.get_hatch()} >= {"\\\\\\\\", "xxxx", "////"}


def test_network_change_uses_one_layout_and_style_plus_colour_plus_legend():
    comparison = wave_networks.compare_networks(THREE)
    first = wave_charts.network_change_chart(comparison, 0, 1)
    second = wave_charts.network_change_chart(comparison, 1, 2)
    for fig in (first, second, wave_charts.network_change_chart(comparison)):
        check(fig)
    styles = {(str(c.get_linestyle()[0]), tuple(c.get_edgecolor()[0])) for c in first.axes[0].collections
              if hasattr(c, "get_segments")}
    assert len(styles) == 3 and len({s for s, _c in styles}) == 3  # three line styles, three colours
    legend = [t.get_text() for t in first.legends[0].get_texts()]
    assert legend[:3] == ["neu (1)", "weggefallen (3)", "unverändert (1)"]

    def positions(fig):
        return {tuple(xy) for c in fig.axes[0].collections if not hasattr(c, "get_segments")
                for xy in c.get_offsets().tolist()}

    assert positions(first) == positions(second)  # the same actors stay in the same place


def test_trend_chart_renders_with_n_per_wave():
    labels, found = wave_series.series(THREE, question="netzwerk.lebensphasen", option="kita")
    fig = wave_charts.trend_chart(labels, found)
    check(fig)
    found_texts = texts(fig)
    assert "2025\nn = 5" in found_texts and "Rücklaufquote\nn = eingeladene Einrichtungen" in found_texts
    assert "60\u00a0%" in found_texts
    assert "0,4" in " ".join(found_texts) or "0,40" in found_texts


@pytest.mark.parametrize("partners", [[], ["a2"]])
def test_network_change_of_a_small_follow_up_is_drawn_in_the_frame(partners):
    # A small follow-up: one organisation answered, without ties or with one. Its point and name sit
    # inside the drawing; with no tie at all the chart is just the row of actors, not a tall empty frame.
    lone = [wave(label, NEW_PHASES, [response(rid, "a1", ["kita"], 3, [], partners)],
                 invitations(a1="submitted")) for rid, label in ((31, "2025"), (32, "2026"))]
    fig = wave_charts.network_change_chart(wave_networks.compare_networks(lone))
    check(fig)
    ax = fig.axes[0]
    frame = ax.get_window_extent()
    for collection in ax.collections:
        for _x, y in ax.transData.transform(collection.get_offsets()):
            assert frame.y0 + 0.05 * frame.height < y < frame.y1 - 0.05 * frame.height
    assert NAMES["a1"] in " ".join(texts(fig))
    if not partners:
        assert fig.get_figheight() < 4
