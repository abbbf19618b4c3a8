"""Which chart a question gets: the chart of a summary, and a question's default chart."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from matplotlib.figure import Figure

from questionnaires.kinds import KINDS, NO_CHART
from questionnaires.model import Question

from .. import coverage as coverage_mod
from .. import keys
from .. import network as network_mod
from ..dataset import Dataset
from ..privacy import DEFAULT_MIN_GROUP, suppress
from ..statistics import Frequencies, LikertDistribution, NumericSummary, Texts, summarise
from .answers import bar_chart, histogram, likert_chart, text_list
from .heatmaps import coverage_heatmap
from .network import network_chart


def summary_chart(summary: Any, min_group: int = DEFAULT_MIN_GROUP) -> Figure | None:
    """The chart of a (possibly suppressed) summary."""
    if isinstance(summary, Frequencies):
        return bar_chart(summary, min_group)
    if isinstance(summary, NumericSummary):
        return histogram(summary, min_group)
    if isinstance(summary, LikertDistribution):
        return likert_chart(summary, min_group)
    if isinstance(summary, Texts):
        return text_list(summary)
    return None


# The charts a kind may name as its `Kind.chart` (`NO_CHART`: none); `default_chart` adds the two
# drawings of whole questions.
CHARTS: dict[str, Callable[[Any, int], Figure]] = {
    "bars": bar_chart,
    "histogram": histogram,
    "likert": likert_chart,
    "texts": lambda summary, min_group: text_list(summary),
}


COVERAGE, NETWORK, CODED = "coverage", "network", "bars"


def default_chart(question: Question, coded: bool = False) -> str:
    """The name of a question's default chart: its kind's (`Kind.chart`), except that the offers
    group gets the coverage heatmap and the partner roster the network drawing (`COVERAGE`,
    `NETWORK`), and a free-text question the planner coded into categories (`coded`) bars of its
    categories. The one router of default charts: `chart_for` and the results page ask it."""
    if question.key == keys.OFFERS:
        return COVERAGE
    if question.key == keys.PARTNERS:
        return NETWORK
    if coded:
        return CODED
    kind = KINDS.get(question.kind)
    return kind.chart if kind else NO_CHART


def chart_for(dataset: Dataset, question: Question, *, min_group: int = DEFAULT_MIN_GROUP,
              planner: bool = False) -> Figure | None:
    """The default chart of a question (`default_chart`); None when there is none.

    `planner=False` applies small-number suppression.
    """
    chart = default_chart(question, dataset.coding(question.key) is not None)
    if chart == COVERAGE:
        return coverage_heatmap(coverage_mod.phase_by_district(dataset))
    if chart == NETWORK:
        return network_chart(network_mod.build_graph(dataset), dataset)
    summary = summarise(dataset, question)
    if chart not in CHARTS or summary is None:
        return None
    return CHARTS[chart](suppress(summary, min_group, planner), min_group)
