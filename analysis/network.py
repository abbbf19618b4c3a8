"""The cooperation network from the partner roster: graph, metrics, sector matrix and exports.

Nodes are the actors of the register (`Dataset.actors`), the respondents and every named partner:
its actor code when the respondent picked it from the register, else its free name normalised
(case, whitespace) and prefixed "name:"; a free name that equals a known actor's name joins that
actor. A directed edge u → v means "u names v as partner" (attributes `art`, "|"-joined codes, and
`haeufigkeit`).

Metric decisions (stated once, here):

* A *tie* is a pair of actors of which at least one names the other (the undirected view); degree,
  betweenness, density, the cross-sector share and the sector matrix use ties, so a pair that
  names each other counts once.
* Density = ties / (n·(n−1)/2) over all nodes. Partners that did not answer cannot name anyone,
  so density is a lower bound. Directed density = nominations / (n·(n−1)) (each ordered pair).
* Density inside vs. across sectors (`SectorDensities`): the ties (or nominations) whose two ends
  share a sector, over the pairs that could be tied inside sectors (Σ nₛ·(nₛ−1)/2), and the ties
  between two different sectors over the pairs across sectors (Σₛ<ₜ nₛ·nₜ); directed: ordered pairs.
  Nodes without a known sector take part in neither. With many sectors most possible pairs lie
  across sectors, so the *share* of ties across sectors is high even in a network that is much
  denser inside its sectors: compare densities, not shares.
* Reciprocity = share of nominations answered by a nomination back (`networkx.reciprocity`);
  `reciprocity_respondents` counts only nominations between two respondents, the only pairs that
  could be mutual.
* Components are weakly connected components, isolates included; isolates are nodes without any
  tie (register actors nobody named and who named nobody).
* Cross-sector share = ties between two different sectors / ties whose two ends have a known
  sector.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

import networkx as nx

from questionnaires import formatting as fmt
from questionnaires.model import Option

from . import keys
from .dataset import Dataset, ResponseRecord

TOP_N = 10
# Exact betweenness is O(nodes × ties): minutes for a survey of 10,000 organisations. Above
# BETWEENNESS_EXACT_UP_TO nodes it is estimated from BETWEENNESS_SAMPLES sampled sources (fixed
# seed, so repeatable): the strong brokers stand out clearly, values are estimates.
BETWEENNESS_EXACT_UP_TO = 1000
BETWEENNESS_BUDGET = 500_000  # sampled sources × (nodes + ties)
BETWEENNESS_MIN_SAMPLES = 12
BETWEENNESS_SAMPLES = 64
NAME_PREFIX = "name:"
UNKNOWN_SECTOR = Option("", "ohne Angabe")
EDGE_COLUMNS = [
    "source", "source_name", "source_sector", "target", "target_name", "target_sector", "art", "haeufigkeit",
    "reciprocated",
]


def normalise_name(name: str) -> str:
    return re.sub(r"\s+", " ", name).strip().casefold()


def _join(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "|".join(str(v) for v in value if v)
    return str(value) if value else ""


def build_graph(dataset: Dataset) -> nx.DiGraph[str]:
    """The directed partner network of the responses in `dataset` (filter the dataset first)."""
    graph: nx.DiGraph[str] = nx.DiGraph()
    by_name: dict[str, str] = {}

    def add_actor(node: str, name: str, sector: str = "", provider_type: str = "",
                  districts: tuple[str, ...] = ()) -> None:
        graph.add_node(
            node,
            name=name or node,
            sector=sector,
            sector_label=dataset.sector_label(sector),
            provider_type=provider_type,
            districts="|".join(districts),
            responded=False,
        )
        by_name.setdefault(normalise_name(name or node), node)

    for actor in dataset.actors:
        add_actor(actor.code, actor.name, actor.sector, actor.provider_type, actor.districts)

    def respondent_node(response: ResponseRecord) -> str:
        if response.actor:
            return response.actor
        return by_name.get(normalise_name(response.organisation), NAME_PREFIX + normalise_name(response.organisation))

    for response in dataset.responses:
        node = respondent_node(response)
        if node not in graph:
            add_actor(node, response.organisation, dataset.sector_of(response), dataset.provider_type_of(response),
                      dataset.districts_of(response))
        graph.nodes[node]["responded"] = True

    for response in dataset.responses:
        source = respondent_node(response)
        for partner in response.values.get(keys.PARTNERS) or ():
            code = str(partner.get(keys.PARTNER_ACTOR) or "").strip()
            name = str(partner.get(keys.PARTNER_NAME) or "").strip()
            if not code and not name:
                continue
            target = code or by_name.get(normalise_name(name), NAME_PREFIX + normalise_name(name))
            if target not in graph:
                known = dataset.actor(code)
                if known:
                    add_actor(code, known.name, known.sector, known.provider_type, known.districts)
                else:
                    add_actor(target, name or code)
            if target == source:
                continue
            graph.add_edge(
                source,
                target,
                art=_join(partner.get(keys.PARTNER_KIND)),
                haeufigkeit=_join(partner.get(keys.PARTNER_FREQUENCY)),
            )
    return graph


def undirected(graph: nx.DiGraph[str]) -> nx.Graph[str]:
    """Ties: u — v when either names the other; edge attribute `reciprocated` when both do."""
    view: nx.Graph[str] = nx.Graph()
    view.add_nodes_from(graph.nodes(data=True))
    for u, v, data in graph.edges(data=True):
        if not view.has_edge(u, v):
            view.add_edge(u, v, reciprocated=graph.has_edge(v, u), **data)
    return view


def reciprocated(graph: nx.DiGraph[str]) -> nx.Graph[str]:
    """Only the mutual ties (both name each other)."""
    view: nx.Graph[str] = nx.Graph()
    view.add_nodes_from(graph.nodes(data=True))
    view.add_edges_from((u, v) for u, v in graph.edges if graph.has_edge(v, u))
    return view


@dataclass(frozen=True)
class Centrality:
    node: str
    name: str
    sector: str
    value: float


@dataclass(frozen=True)
class NetworkMetrics:
    actors: int
    respondents: int
    nominations: int  # directed edges
    ties: int  # undirected pairs
    density: float
    reciprocity: float | None
    reciprocity_respondents: float | None
    components: int
    isolates: tuple[str, ...]
    degree_top: tuple[Centrality, ...]
    betweenness_top: tuple[Centrality, ...]
    cross_sector_ties: int
    known_sector_ties: int
    directed_density: float = 0.0
    sectors: SectorDensities | None = None

    @property
    def cross_sector_share(self) -> float | None:
        return self.cross_sector_ties / self.known_sector_ties if self.known_sector_ties else None


def _top(graph: nx.Graph[str], values: dict[str, float], top_n: int) -> tuple[Centrality, ...]:
    ranked = sorted((v, node) for node, v in values.items() if v > 0)
    ranked.sort(key=lambda item: (-item[0], graph.nodes[item[1]].get("name", item[1])))
    return tuple(
        Centrality(node, graph.nodes[node].get("name", node), graph.nodes[node].get("sector", ""), value)
        for value, node in ranked[:top_n]
    )


def _betweenness(ties: nx.Graph[str]) -> dict[str, float]:
    n = ties.number_of_nodes()
    if n <= BETWEENNESS_EXACT_UP_TO:
        return nx.betweenness_centrality(ties, normalized=True)
    # Each sampled source costs one pass over the graph: keep the work (sources × size) bounded so
    # a very large network still answers in about a second; the top brokers stand out either way.
    size = n + ties.number_of_edges()
    samples = max(BETWEENNESS_MIN_SAMPLES, min(BETWEENNESS_SAMPLES, BETWEENNESS_BUDGET // size))
    return nx.betweenness_centrality(ties, k=min(samples, n), normalized=True, seed=7)


def metrics(graph: nx.DiGraph[str], top_n: int = TOP_N) -> NetworkMetrics:
    """Size, density, reciprocity, components, isolates, brokers and cross-sector share."""
    ties = undirected(graph)
    n = graph.number_of_nodes()
    responded = {node for node, data in graph.nodes(data=True) if data.get("responded")}
    between = [(u, v) for u, v in graph.edges if u in responded and v in responded]
    mutual_between = sum(1 for u, v in between if graph.has_edge(v, u))
    known = [(u, v) for u, v in ties.edges if graph.nodes[u].get("sector") and graph.nodes[v].get("sector")]
    cross = sum(1 for u, v in known if graph.nodes[u]["sector"] != graph.nodes[v]["sector"])
    return NetworkMetrics(
        actors=n,
        respondents=len(responded),
        nominations=graph.number_of_edges(),
        ties=ties.number_of_edges(),
        density=nx.density(ties) if n > 1 else 0.0,
        reciprocity=cast(float, nx.reciprocity(graph)) if graph.number_of_edges() else None,  # one number
        reciprocity_respondents=mutual_between / len(between) if between else None,
        components=nx.number_weakly_connected_components(graph) if n else 0,
        isolates=tuple(sorted(nx.isolates(graph))),
        degree_top=_top(ties, nx.degree_centrality(ties) if n > 1 else {}, top_n),
        betweenness_top=_top(ties, _betweenness(ties) if n > 2 else {}, top_n),
        cross_sector_ties=cross,
        known_sector_ties=len(known),
        directed_density=nx.density(graph) if n > 1 else 0.0,
        sectors=sector_densities(graph),
    )


@dataclass(frozen=True)
class SectorDensities:
    """Ties and nominations inside one sector, across two sectors, or touching a node of unknown
    sector (these three partition all of them), with the pairs that could be tied inside and across."""

    inside_ties: int
    across_ties: int
    unknown_ties: int
    inside_nominations: int
    across_nominations: int
    unknown_nominations: int
    inside_pairs: int  # unordered pairs of two nodes of the same known sector
    across_pairs: int  # unordered pairs of two nodes of different known sectors

    @staticmethod
    def _ratio(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    @property
    def inside(self) -> float | None:
        """Undirected density inside sectors."""
        return self._ratio(self.inside_ties, self.inside_pairs)

    @property
    def across(self) -> float | None:
        """Undirected density across sectors."""
        return self._ratio(self.across_ties, self.across_pairs)

    @property
    def inside_directed(self) -> float | None:
        return self._ratio(self.inside_nominations, 2 * self.inside_pairs)

    @property
    def across_directed(self) -> float | None:
        return self._ratio(self.across_nominations, 2 * self.across_pairs)

    def sentence(self) -> str:
        """Which is denser, inside the sectors or across them, in one German sentence ("" when
        either cannot be computed: one sector only, or no sector known)."""
        inside, across = self.inside, self.across
        if inside is None or across is None:
            return ""
        shown = round(100 * inside, 1), round(100 * across, 1)
        figures = (f"{_pct(inside)} der möglichen Paare innerhalb eines Handlungsfelds kooperieren, "
                   f"{_pct(across)} der Paare aus verschiedenen Handlungsfeldern")
        directed = ""
        if self.inside_directed is not None and self.across_directed is not None:
            directed = (f" (gerichtet: {_pct(self.inside_directed)} gegenüber {_pct(self.across_directed)} "
                        "der möglichen Nennungen)")
        if shown[0] > shown[1]:
            head = "Innerhalb der Handlungsfelder ist das Netzwerk dichter als zwischen ihnen"
        elif shown[0] < shown[1]:
            head = "Zwischen den Handlungsfeldern ist das Netzwerk dichter als innerhalb"
        else:
            head = "Innerhalb der Handlungsfelder und zwischen ihnen ist das Netzwerk gleich dicht"
        return f"{head}: {figures}{directed}."


def _pct(share: float) -> str:
    return fmt.percent(100 * share, 1)


def sector_densities(graph: nx.DiGraph[str]) -> SectorDensities:
    """Density inside sectors vs. across sectors, undirected (ties) and directed (nominations)."""
    sizes = Counter(data.get("sector", "") for _node, data in graph.nodes(data=True))
    sizes.pop("", None)
    known = sum(sizes.values())
    inside_pairs = sum(k * (k - 1) // 2 for k in sizes.values())
    across_pairs = known * (known - 1) // 2 - inside_pairs

    def where(u: str, v: str) -> str:
        a, b = graph.nodes[u].get("sector", ""), graph.nodes[v].get("sector", "")
        return "unknown" if not a or not b else "inside" if a == b else "across"

    ties = Counter(where(u, v) for u, v in undirected(graph).edges)
    nominations = Counter(where(u, v) for u, v in graph.edges)
    return SectorDensities(ties["inside"], ties["across"], ties["unknown"], nominations["inside"],
                           nominations["across"], nominations["unknown"], inside_pairs, across_pairs)


@dataclass(frozen=True)
class SectorMatrix:
    """Ties between sectors: symmetric `counts[i][j]`; the diagonal holds ties within a sector."""

    sectors: tuple[Option, ...]
    counts: tuple[tuple[int, ...], ...]
    ties: int
    densities: SectorDensities | None = None

    @property
    def cross_share(self) -> float | None:
        """Share of ties between two different sectors, among ties with both sectors known."""
        known = [i for i, o in enumerate(self.sectors) if o.code]
        within = sum(self.counts[i][i] for i in known)
        across = sum(self.counts[i][j] for i in known for j in known if i < j)
        return across / (within + across) if within + across else None


def sector_matrix(graph: nx.DiGraph[str], dataset: Dataset) -> SectorMatrix:
    """Sector × sector tie counts (sectors without any node are left out)."""
    ties = undirected(graph)
    present = {data.get("sector", "") for _node, data in graph.nodes(data=True)}
    sectors = [o for o in dataset.sector_options if o.code in present]
    known = {o.code for o in sectors}
    sectors += [Option(code, code) for code in sorted(present - known - {""})]
    if "" in present:
        sectors.append(UNKNOWN_SECTOR)
    index = {o.code: i for i, o in enumerate(sectors)}
    counts = [[0] * len(sectors) for _ in sectors]
    for u, v in ties.edges:
        a, b = index[graph.nodes[u].get("sector", "")], index[graph.nodes[v].get("sector", "")]
        counts[a][b] += 1
        if a != b:
            counts[b][a] += 1
    return SectorMatrix(tuple(sectors), tuple(tuple(row) for row in counts), ties.number_of_edges(),
                        sector_densities(graph))


def edge_rows(graph: nx.DiGraph[str]) -> Iterator[list[Any]]:
    """The header, then one row per nomination (for the edge list CSV)."""
    yield EDGE_COLUMNS
    for u, v, data in graph.edges(data=True):
        source, target = graph.nodes[u], graph.nodes[v]
        yield [
            u, source.get("name", u), source.get("sector", ""), v, target.get("name", v), target.get("sector", ""),
            data.get("art", ""), data.get("haeufigkeit", ""), int(graph.has_edge(v, u)),
        ]


def _plain(value: Any) -> str | int | float | bool:
    """A GraphML-compatible attribute value (no None, no lists)."""
    if value is None:
        return ""
    if isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple, set)):
        return "|".join(str(v) for v in value)
    return str(value)


def to_graphml(graph: nx.DiGraph[str]) -> bytes:
    """The graph as GraphML bytes; every attribute is str, int, float or bool."""
    clean: nx.DiGraph[str] = nx.DiGraph()
    clean.add_nodes_from((node, {k: _plain(v) for k, v in data.items()}) for node, data in graph.nodes(data=True))
    clean.add_edges_from((u, v, {k: _plain(val) for k, val in data.items()}) for u, v, data in graph.edges(data=True))
    buffer = io.BytesIO()
    nx.write_graphml(clean, buffer)
    return buffer.getvalue()
