"""Every chart renders to PNG that matplotlib can read back, and to SVG."""

import io

import matplotlib.image
import pytest

from analysis import coverage, network, overview, privacy
from analysis import statistics as st
from analysis.charts import answers as answer_charts
from analysis.charts import defaults as default_charts
from analysis.charts import frame as chart_frame
from analysis.charts import heatmaps as heatmap_charts
from analysis.charts import network as network_drawing
from analysis.charts import response as response_charts
from questionnaires import formatting as fmt


def check(fig):
    png = chart_frame.render(fig, "png")
    image = matplotlib.image.imread(io.BytesIO(png), format="png")
    assert image.shape[1] >= 900  # 16 cm at 150 dpi
    svg = chart_frame.render(fig, "svg")
    assert svg.lstrip().startswith(b"<?xml") and b"<svg" in svg
    return svg


def all_text(fig) -> str:
    return " ".join(t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")))


@pytest.mark.parametrize("key", [
    "akteur.sektor", "akteur.stadtteile", "netzwerk.lebensphasen", "netzwerk.gruendung", "akteur.mitarbeitende",
    "netzwerk.zufriedenheit", "netzwerk.bewertung", "netzwerk.themen", "netzwerk.fokus", "angebote.angebote",
    "kooperation.partner",
])
@pytest.mark.parametrize("planner", [True, False])
def test_default_chart_of_every_question_renders_and_states_n(submitted, key, planner):
    fig = default_charts.chart_for(submitted, submitted.question(key), planner=planner)
    check(fig)
    assert "n = " in all_text(fig) or "n < 3" in all_text(fig)


def test_kinds_without_chart_give_none(make, submitted):
    assert default_charts.chart_for(submitted, make.question("x.d", "date")) is None
    assert default_charts.chart_for(submitted, make.question("x.i", "info")) is None


def test_other_charts_render(submitted, dataset):
    graph = network.build_graph(submitted)
    figures = [
        response_charts.response_over_time(overview.submissions_over_time(dataset), 5),
        heatmap_charts.coverage_heatmap(coverage.phase_by_sector(submitted)),
        heatmap_charts.coverage_heatmap(coverage.target_group_by_phase(submitted)),
        heatmap_charts.sector_heatmap(network.sector_matrix(graph, submitted)),
        network_drawing.network_chart(graph, submitted),
        answer_charts.bar_chart(st.district_distribution(submitted)),
    ]
    for fig in figures:
        check(fig)


def test_gaps_and_dense_cells_are_marked_with_text_and_frame(submitted):
    fig = heatmap_charts.coverage_heatmap(coverage.phase_by_district(submitted))
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts.count("Lücke") == 6
    assert any(p.get_hatch() for p in fig.axes[0].patches)


def test_suppressed_summary_renders_a_notice(submitted):
    summary = privacy.suppress(st.summarise(submitted, submitted.question("akteur.sektor")), min_group=5)
    fig = default_charts.summary_chart(summary, 5)
    check(fig)
    assert "n < 5" in all_text(fig)
    assert "zum Schutz der Antwortenden" in all_text(fig)


def test_suppressed_bar_shows_the_label_instead_of_the_count(submitted):
    fig = default_charts.chart_for(submitted, submitted.question("akteur.sektor"))
    assert "< 3" in all_text(fig)


def test_empty_inputs_render_placeholders(make):
    from analysis.dataset import Dataset

    question = make.question("x.y", "single_choice", options=())
    empty = Dataset((question,))
    for fig in (
        default_charts.chart_for(empty, question, planner=True),
        response_charts.response_over_time([]),
        network_drawing.network_chart(network.build_graph(empty)),
    ):
        check(fig)


def test_dollar_signs_in_answers_are_not_read_as_tex(make):
    from analysis.dataset import Dataset, ResponseRecord

    question = make.question("x.t", "long_text", "Was kostet es in $?")
    data = Dataset((question,), (ResponseRecord(1, "submitted", None, None, "X", {"x.t": "5$ bis $10 und \\frac"}),))
    check(default_charts.chart_for(data, question, planner=True))


def test_german_number_formatting():
    assert fmt.number(1234.5, 1) == "1.234,5"
    assert fmt.percent(12.34, 1) == "12,3\u00a0%"
    assert chart_frame.NUMBER(2.5, 0) == "2,5"
    assert chart_frame.PLAIN(2015, 0) == "2015"


def test_large_network_labels_only_the_best_connected(make):
    from analysis.dataset import ActorRecord, Dataset, ResponseRecord

    question = make.question("kooperation.partner", "partner_roster")
    actors = tuple(ActorRecord(f"a{i}", f"Einrichtung {i}", ("jugendhilfe", "gesundheit", "bildung")[i % 3])
                   for i in range(60))
    responses = tuple(
        ResponseRecord(i, "submitted", None, f"a{i}", f"Einrichtung {i}",
                       {question.key: [make.partner(f"a{(i * 7 + k) % 60}") for k in (1, 2, 5)]})
        for i in range(0, 60, 2)
    )
    data = Dataset((question,), responses, actors)
    fig = network_drawing.network_chart(network.build_graph(data), data)
    check(fig)
    assert len(fig.axes[0].texts) <= chart_frame.LABELLED_NODES + 1
