"""Network metrics checked against values computed by hand on small networks."""

import io

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from analysis import export, network
from analysis.dataset import ActorRecord, Dataset, ResponseRecord


def roster(question, edges, actors, respondents=None):
    """A dataset in which each respondent names its partners: edges = {source: [target, ...]}."""
    respondents = respondents if respondents is not None else list(edges)
    responses = tuple(
        ResponseRecord(i, "submitted", None, code, code.upper(),
                       {question.key: [{"actor": t, "name": "", "art": ["austausch"], "haeufigkeit": "monatlich"}
                                       for t in edges.get(code, [])]})
        for i, code in enumerate(respondents, start=1)
    )
    return Dataset((question,), responses, tuple(actors))


@pytest.fixture
def partners(make):
    return make.question("kooperation.partner", "partner_roster")


def actor(code, sector="x"):
    return ActorRecord(code, code.upper(), sector)


def test_star_density_centre_is_the_only_broker(partners):
    data = roster(partners, {"c": ["l1", "l2", "l3", "l4"]}, [actor(c) for c in ("c", "l1", "l2", "l3", "l4")])
    m = network.metrics(network.build_graph(data))
    assert (m.actors, m.respondents, m.ties, m.nominations) == (5, 1, 4, 4)
    assert m.density == pytest.approx(4 / 10)
    assert m.reciprocity == 0
    assert m.components == 1 and m.isolates == ()
    assert [(c.node, c.value) for c in m.betweenness_top] == [("c", pytest.approx(1.0))]
    assert m.degree_top[0].node == "c" and m.degree_top[0].value == pytest.approx(1.0)


def test_path_of_three_middle_has_full_betweenness(partners):
    data = roster(partners, {"a": ["b"], "b": ["c"]}, [actor(c) for c in "abc"])
    m = network.metrics(network.build_graph(data))
    assert [(c.node, c.value) for c in m.betweenness_top] == [("b", pytest.approx(1.0))]


def test_reciprocity_components_isolates_and_cross_sector_share(partners):
    actors = [actor("a", "x"), actor("b", "x"), actor("c", "y"), actor("d", "y")]
    data = roster(partners, {"a": ["b"], "b": ["a", "c"]}, actors)
    graph = network.build_graph(data)
    m = network.metrics(graph)
    assert (m.actors, m.nominations, m.ties) == (4, 3, 2)
    assert m.density == pytest.approx(2 / 6)
    assert m.reciprocity == pytest.approx(2 / 3)  # a→b and b→a answered, b→c not
    assert m.reciprocity_respondents == pytest.approx(1.0)  # c did not answer: b→c cannot be mutual
    assert m.components == 2
    assert m.isolates == ("d",)
    assert m.betweenness_top[0].node == "b"
    assert m.betweenness_top[0].value == pytest.approx(1 / 3)  # one of the 3 pairs among 4 nodes' paths
    assert (m.cross_sector_ties, m.known_sector_ties) == (1, 2)
    assert m.cross_sector_share == pytest.approx(0.5)
    matrix = network.sector_matrix(graph, data)
    assert [o.code for o in matrix.sectors] == ["x", "y"]
    assert matrix.counts == ((1, 1), (1, 0))
    assert matrix.cross_share == pytest.approx(0.5)
    mutual = network.reciprocated(graph)
    assert sorted(map(sorted, mutual.edges)) == [["a", "b"]]


def test_free_names_match_actors_and_each_other(submitted):
    graph = network.build_graph(submitted)
    free = [n for n in graph if n.startswith(network.NAME_PREFIX)]
    assert free == ["name:kinderarztpraxis dr. weiss"]
    assert graph.nodes[free[0]]["name"] == "Kinderarztpraxis Dr. Weiß"
    assert graph.in_degree(free[0]) == 2
    assert graph.nodes["a1"]["responded"] and not graph.nodes["a5"]["responded"]
    assert graph.edges["a1", "a3"]["art"] == "austausch|gemeinsame_angebote"


def test_free_name_of_a_registered_actor_joins_that_actor(partners):
    question = partners
    response = ResponseRecord(1, "submitted", None, "a", "A",
                              {question.key: [{"actor": "", "name": "  b  ", "art": [], "haeufigkeit": ""}]})
    data = Dataset((question,), (response,), (actor("a"), actor("b")))
    assert list(network.build_graph(data).edges) == [("a", "b")]


def test_self_nomination_is_ignored(partners):
    data = roster(partners, {"a": ["a", "b"]}, [actor("a"), actor("b")])
    assert list(network.build_graph(data).edges) == [("a", "b")]


def test_graphml_round_trips_with_attributes(submitted):
    graph = network.build_graph(submitted)
    loaded = nx.read_graphml(io.BytesIO(export.graphml(graph)))
    assert set(loaded.nodes) == set(graph.nodes)
    assert loaded.nodes["a1"]["name"] == "Jugendamt"
    assert loaded.nodes["a1"]["sector"] == "jugendhilfe"
    assert loaded.nodes["a1"]["responded"] is True
    assert loaded.nodes["name:kinderarztpraxis dr. weiss"]["sector"] == ""
    assert loaded.edges["a2", "name:kinderarztpraxis dr. weiss"]["haeufigkeit"] == "jaehrlich"


def test_edge_list_rows_mark_reciprocated_ties(submitted):
    header, *rows = list(network.edge_rows(network.build_graph(submitted)))
    assert header[:4] == ["source", "source_name", "source_sector", "target"]
    by_pair = {(r[0], r[3]): r for r in rows}
    assert by_pair["a1", "a2"][-1] == 1
    assert by_pair["a2", "name:kinderarztpraxis dr. weiss"][-1] == 0


def test_empty_network_has_no_metrics_errors(partners):
    m = network.metrics(network.build_graph(Dataset((partners,))))
    assert (m.actors, m.ties, m.density, m.reciprocity, m.components) == (0, 0, 0.0, None, 0)


def test_density_inside_and_across_sectors_by_hand(partners):
    # x: a, b, c (3 pairs inside); y: d, e (1 pair inside); 6 pairs across; z has no sector
    actors = [actor("a", "x"), actor("b", "x"), actor("c", "x"), actor("d", "y"), actor("e", "y"), actor("z", "")]
    data = roster(partners, {"a": ["b", "c", "d"], "b": ["a"], "d": ["e", "z"]}, actors)
    m = network.metrics(network.build_graph(data))
    d = m.sectors
    assert (d.inside_pairs, d.across_pairs) == (4, 6)
    assert (d.inside_ties, d.across_ties, d.unknown_ties) == (3, 1, 1)  # a–b named both ways counts once
    assert (d.inside_nominations, d.across_nominations, d.unknown_nominations) == (4, 1, 1)
    assert d.inside == pytest.approx(3 / 4) and d.across == pytest.approx(1 / 6)
    assert d.inside_directed == pytest.approx(4 / 8) and d.across_directed == pytest.approx(1 / 12)
    assert m.directed_density == pytest.approx(6 / 30)
    assert d.sentence().startswith("Innerhalb der Handlungsfelder ist das Netzwerk dichter als zwischen ihnen: "
                                   "75,0\u00a0% der möglichen Paare")


def test_the_sentence_says_when_across_is_denser_and_nothing_with_one_sector(partners):
    across = roster(partners, {"a": ["c"], "b": ["d"]}, [actor("a", "x"), actor("b", "x"), actor("c", "y"),
                                                         actor("d", "y")])
    assert network.sector_densities(network.build_graph(across)).sentence().startswith(
        "Zwischen den Handlungsfeldern ist das Netzwerk dichter als innerhalb")
    one = roster(partners, {"a": ["b"]}, [actor("a", "x"), actor("b", "x")])
    assert network.sector_densities(network.build_graph(one)).sentence() == ""


@settings(max_examples=30, deadline=None)
@given(sectors=hs.lists(hs.sampled_from(["x", "y", "z", ""]), min_size=2, max_size=8),
       pairs=hs.lists(hs.tuples(hs.integers(0, 7), hs.integers(0, 7)), max_size=25))
def test_inside_across_and_unknown_partition_every_tie_and_nomination(sectors, pairs):
    graph = nx.DiGraph()
    for i, sector in enumerate(sectors):
        graph.add_node(f"n{i}", sector=sector)
    graph.add_edges_from((f"n{u}", f"n{v}") for u, v in pairs if u != v and u < len(sectors) and v < len(sectors))
    d = network.sector_densities(graph)
    assert d.inside_ties + d.across_ties + d.unknown_ties == network.undirected(graph).number_of_edges()
    assert d.inside_nominations + d.across_nominations + d.unknown_nominations == graph.number_of_edges()
    known = sum(1 for s in sectors if s)
    assert d.inside_pairs + d.across_pairs == known * (known - 1) // 2
    for share in (d.inside, d.across, d.inside_directed, d.across_directed):
        assert share is None or 0 <= share <= 1
