"""Comparing the partner networks of the waves.

* Network ties are undirected pairs of node ids (`network.undirected`). A tie is *lost* when the
  later wave does not have it; `lost_unanswered` is the part of those where neither actor answered
  the later wave, so nobody could name it again.
* Degree centralisation is Freeman's: Σ (max degree − degree) / ((n−1)(n−2)) over all actors of
  the tie graph (1 for a star, 0 when every actor has the same number of ties; undefined below 3
  actors).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import networkx as nx

from .. import network as network_mod
from .wave import Wave, check_count, labels_of, submitted_of

Tie = tuple[str, str]  # node ids, sorted


def ties(graph: nx.DiGraph[str]) -> frozenset[Tie]:
    """The undirected ties of a partner network as sorted node-id pairs."""
    pairs = network_mod.undirected(graph).edges
    return frozenset((min(str(u), str(v)), max(str(u), str(v))) for u, v in pairs)


def degree_centralisation(graph: nx.Graph[str]) -> float | None:
    """Freeman's degree centralisation of an undirected graph; None below three nodes."""
    n = graph.number_of_nodes()
    if n < 3:
        return None
    degrees = [d for _node, d in graph.degree()]
    top = max(degrees)
    return sum(top - d for d in degrees) / ((n - 1) * (n - 2))


@dataclass(frozen=True)
class NetworkFigures:
    """The network key figures of one wave."""

    label: str
    actors: int
    respondents: int
    ties: int
    density: float
    centralisation: float | None
    cross_sector_share: float | None


@dataclass(frozen=True)
class TieChange:
    earlier: str
    later: str
    added: frozenset[Tie]
    lost: frozenset[Tie]
    kept: frozenset[Tie]
    lost_unanswered: frozenset[Tie]  # lost ties of which neither actor answered the later wave


@dataclass(frozen=True)
class NetworkComparison:
    labels: tuple[str, ...]
    figures: tuple[NetworkFigures, ...]
    graphs: tuple[nx.DiGraph[str], ...]
    steps: tuple[TieChange, ...]
    overall: TieChange  # first → last


def _tie_change(labels: tuple[str, ...], graphs: Sequence[nx.DiGraph[str]], i: int, j: int) -> TieChange:
    a, b = ties(graphs[i]), ties(graphs[j])
    answered = {n for n, d in graphs[j].nodes(data=True) if d.get("responded")}
    lost = a - b
    return TieChange(labels[i], labels[j], b - a, lost, a & b,
                     frozenset(t for t in lost if t[0] not in answered and t[1] not in answered))


def network_figures(label: str, graph: nx.DiGraph[str]) -> NetworkFigures:
    m = network_mod.metrics(graph, top_n=0)
    return NetworkFigures(label, m.actors, m.respondents, m.ties, m.density,
                          degree_centralisation(network_mod.undirected(graph)), m.cross_sector_share)


def compare_networks(waves: Sequence[Wave]) -> NetworkComparison:
    """Key figures per wave, ties added, lost and kept between consecutive waves and first → last."""
    check_count(waves)
    graphs = tuple(network_mod.build_graph(submitted_of(w)) for w in waves)
    labels = labels_of(waves)
    steps = tuple(_tie_change(labels, graphs, i, i + 1) for i in range(len(waves) - 1))
    overall = steps[0] if len(waves) == 2 else _tie_change(labels, graphs, 0, len(waves) - 1)
    figures = tuple(network_figures(label, graph) for label, graph in zip(labels, graphs, strict=True))
    return NetworkComparison(labels, figures, graphs, steps, overall)


def union_graph(graphs: Sequence[nx.DiGraph[str]]) -> nx.Graph[str]:
    """All actors and ties of several waves in one undirected graph (node data of the newest wave)."""
    union: nx.Graph[str] = nx.Graph()
    for graph in graphs:
        view = network_mod.undirected(graph)
        for node, data in view.nodes(data=True):
            merged = dict(union.nodes[node]) if node in union else {}
            responded = merged.get("responded", False) or data.get("responded", False)
            merged.update(data)
            merged["responded"] = responded
            union.add_node(node, **merged)
        union.add_edges_from(view.edges)
    return union
