"""Who looks (`Viewer`: planner or analyst, small-number rules) and every chart of the results page
with its table (`Chart`): question charts, actors, coverage, network, response over time.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from matplotlib.figure import Figure

from analysis import Dataset, coverage, network, tables
from analysis import keys as analysis_keys
from analysis import overview as overview_mod
from analysis.charts import answers as answer_charts
from analysis.charts import defaults as default_charts
from analysis.charts import frame as chart_frame
from analysis.charts import heatmaps as heatmap_charts
from analysis.charts import network as network_drawing
from analysis.charts import response as response_charts
from analysis.privacy import suppress
from analysis.statistics import Frequencies, summarise
from analysis.tables import Table
from questionnaires.model import Question

from .cache import cached
from .filters import Filters

PAGE_ROWS = 60


@dataclass
class Chart:
    """One chart of the results page: how to draw it and its table (`analysis.tables.Table`, the
    same numbers). `table` may be a function: the network metrics are only computed when shown."""

    name: str
    title: str
    table: Table | Callable[[], Table]
    draw: Callable[[], Figure] | None = None
    suppressed: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def data(self) -> Table:
        """The table (computed now if it was lazy)."""
        if callable(self.table):
            self.table = self.table()
        return self.table

    @property
    def header(self) -> list[str]:
        return self.data.header

    @property
    def rows(self) -> tuple[tuple[Any, ...], ...]:
        return self.data.rows

    @property
    def note(self) -> str:
        return self.data.note

    page_limit = PAGE_ROWS  # rows shown on the page (long free-text lists); the CSV has them all

    @property
    def more_rows(self) -> int:
        return max(0, len(self.rows) - PAGE_ROWS)

    def figure(self) -> Figure | None:
        return self.draw() if self.draw else None


@dataclass(frozen=True)
class Viewer:
    """Who looks: planners see everything, analysts get small-number suppression
    (an `analysis.tables.Audience`)."""

    planner: bool
    min_group: int
    rows: bool = False  # analysts: the planner shares row-level data (`row_access.shared`)
    free_text: bool = False  # analysts: … and includes free texts (`row_access.free_text`)

    @property
    def suppressing(self) -> bool:
        return not self.planner and self.min_group > 1

    @property
    def label(self) -> str:
        return tables.MARK


def _withheld(viewer: Viewer, name: str, title: str, message: str, section: str = "") -> Chart:
    message = message or f"Weniger als {viewer.min_group} Antworten – zum Schutz der Antwortenden nicht dargestellt."

    def draw() -> Figure:
        return chart_frame.placeholder(title, message, chart_frame.n_label(0, True, viewer.min_group))

    table = tables.withheld_table(name, title, message, section, name)
    return Chart(name, title, table, draw, suppressed=True)


def _frequency_chart(name: str, summary: Frequencies, viewer: Viewer, section: str) -> Chart:
    shown = suppress(summary, viewer.min_group, viewer.planner)
    table = tables.frequency_table(name, summary, viewer, section=section)
    return Chart(name, summary.question.prompt, table,
                 lambda: answer_charts.bar_chart(shown, viewer.min_group), suppressed=shown.suppressed)


def actor_charts(dataset: Dataset, viewer: Viewer) -> list[Chart]:
    """Responding organisations by sector, provider type and district."""
    return [_frequency_chart(name, counts, viewer, "akteure") for name, counts in tables.actor_summaries(dataset)]


def _matrix_chart(name: str, matrix: coverage.CoverageMatrix, viewer: Viewer) -> Chart:
    table = tables.coverage_table(name, matrix, viewer)
    if table.withheld:
        return _withheld(viewer, name, matrix.title, table.withheld, "abdeckung")
    return Chart(name, matrix.title, table, lambda: heatmap_charts.coverage_heatmap(matrix), extra={"matrix": matrix})


def coverage_charts(dataset: Dataset, filters: Filters, viewer: Viewer) -> list[Chart]:
    """Offers per life phase × district, × sector, and target group × life phase."""
    if dataset.question(analysis_keys.OFFERS) is None:
        return []
    matrices = tables.coverage_matrices(dataset, **filters.coverage())
    return [_matrix_chart(name, matrix, viewer) for name, matrix in matrices.items()]


class NetworkView:
    """The partner network of a dataset; metrics (betweenness is the slow part) only when asked."""

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self.graph = network.build_graph(dataset)

    @cached_property
    def metrics(self) -> network.NetworkMetrics:
        return network.metrics(self.graph)

    @cached_property
    def matrix(self) -> network.SectorMatrix:
        return network.sector_matrix(self.graph, self.dataset)


def network_view(dataset: Dataset, key: Hashable | None = None) -> NetworkView | None:
    """The network view, shared between requests with the same cache key (see `cached`)."""
    if dataset.question(analysis_keys.PARTNERS) is None:
        return None
    if key is None:
        return NetworkView(dataset)
    return cached(("network", key), lambda: NetworkView(dataset))


def network_charts(dataset: Dataset, view: NetworkView | None, viewer: Viewer) -> list[Chart]:
    """The network drawing (its table: the key figures) and the sector × sector matrix."""
    if view is None:
        return []
    title = "Kooperationsnetzwerk"
    if tables.network_withheld(dataset, viewer):
        message = tables.network_message(viewer)
        return [_withheld(viewer, "netzwerk", title, message, "netzwerke"),
                _withheld(viewer, "netzwerk-handlungsfelder", "Kooperationen zwischen Handlungsfeldern", message,
                          "netzwerke")]
    graph = view.graph
    return [
        Chart("netzwerk", title, lambda: tables.network_metrics_table(view.metrics),
              lambda: network_drawing.network_chart(graph, dataset)),
        Chart("netzwerk-handlungsfelder", "Kooperationen zwischen Handlungsfeldern",
              tables.sector_matrix_table(view.matrix), lambda: heatmap_charts.sector_heatmap(view.matrix)),
    ]


def broker_table(dataset: Dataset, view: NetworkView) -> tables.Table:
    return tables.broker_table(dataset, view.metrics)


def question_chart(dataset: Dataset, question: Question, viewer: Viewer, filters: Filters | None = None,
                   key: Hashable | None = None) -> Chart | None:
    """A question's default chart and its table (suppressed for analysts)."""
    chart = default_charts.default_chart(question, dataset.coding(question.key) is not None)
    if chart in (default_charts.COVERAGE, default_charts.NETWORK):
        found = (coverage_charts(dataset, filters or Filters(), viewer) if chart == default_charts.COVERAGE
                 else network_charts(dataset, network_view(dataset, key), viewer))
        return replace(found[0], name=question.key, title=question.prompt) if found else None
    draw = default_charts.CHARTS.get(chart)
    summary = summarise(dataset, question)
    if draw is None or summary is None:
        return None
    shown = suppress(summary, viewer.min_group, viewer.planner)
    table = tables.summary_table(question.key, summary, viewer)
    if table.withheld and not shown.suppressed:  # free texts an analyst may not see: no text in the image either
        return _withheld(viewer, question.key, question.prompt, table.withheld, table.section)
    return Chart(question.key, question.prompt, table,
                 lambda: draw(shown, viewer.min_group), suppressed=shown.suppressed)


def overview_chart(dataset: Dataset, viewer: Viewer | None = None) -> Chart:
    counts = overview_mod.overview(dataset.invitations)
    if viewer is not None and viewer.suppressing and 0 < counts.submitted < viewer.min_group:
        return _withheld(viewer, "ruecklauf", "Rücklauf im Zeitverlauf", "", "ruecklauf")
    points = overview_mod.submissions_over_time(dataset)
    return Chart("ruecklauf", "Rücklauf im Zeitverlauf", tables.response_over_time_table(dataset, viewer),
                 lambda: response_charts.response_over_time(points, counts.invited))


SPECIAL_CHARTS = (
    "ruecklauf", "akteure-handlungsfeld", "akteure-traegerart", "akteure-stadtteil", "abdeckung-stadtteil",
    "abdeckung-handlungsfeld", "abdeckung-zielgruppe", "netzwerk", "netzwerk-handlungsfelder",
)


def find_chart(dataset: Dataset, name: str, filters: Filters, viewer: Viewer,
               key: Hashable | None = None) -> Chart | None:
    """The chart `name` (a special name or a question key) of the filtered dataset."""
    if name == "ruecklauf":
        return overview_chart(dataset, viewer)
    if name in SPECIAL_CHARTS:
        if name.startswith("akteure-"):
            found = actor_charts(dataset, viewer)
        elif name.startswith("abdeckung-"):
            found = coverage_charts(dataset, filters, viewer)
        else:
            found = network_charts(dataset, network_view(dataset, key), viewer)
        return next((c for c in found if c.name == name), None)
    question = dataset.question(name)
    if question is None or question.key not in {q.key for q in dataset.questions}:
        return None  # group fields have no chart of their own
    return question_chart(dataset, question, viewer, filters, key)


def page_tables(data: Mapping[str, Any]) -> list[tables.Table]:
    """Every table of the results page, in page order, from `services.results_page.page_data`'s result
    (the workbook has a sheet for each). The offers and partners questions show the coverage and
    network tables again on the page; they are listed once."""
    found: list[tables.Table] = [data["overview_table"], data["response_chart"].data, *data["rate_tables"]]
    found += [c.data for c in data["actor_charts"]]
    found += [c.data for c in data["coverage_charts"]]
    network_charts = data["network_charts"]
    if network_charts:
        found.append(network_charts[0].data)
        if data.get("brokers") is not None:
            found.append(data["brokers"])
        found.append(network_charts[1].data)
    for question, chart in data["questions"]:
        if chart is not None and question.key not in (analysis_keys.OFFERS, analysis_keys.PARTNERS):
            found.append(chart.data)
    return found
