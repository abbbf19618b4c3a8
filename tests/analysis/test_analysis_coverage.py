"""Coverage matrices: counts, gaps and dense cells on small examples."""

from analysis import coverage
from analysis.dataset import Dataset, ResponseRecord


def test_phase_by_district_counts_gaps_and_dense_cell(submitted):
    matrix = coverage.phase_by_district(submitted)
    assert [o.code for o in matrix.rows] == ["schwangerschaft_geburt", "kita", "grundschule"]
    assert [o.code for o in matrix.columns] == ["nord", "mitte", "eving", "_ohne"]
    assert matrix.counts == ((1, 1, 0, 0), (4, 0, 0, 1), (0, 0, 0, 1))
    assert matrix.cell("kita", "nord") == 4
    # gaps: every zero outside the "ohne Stadtteilangabe" column
    assert matrix.gaps == {(0, 2), (1, 1), (1, 2), (2, 0), (2, 1), (2, 2)}
    # median of non-zero cells is 1, so dense needs max(3, 2·1) = 3 offers
    assert matrix.dense == {(1, 0)}
    assert (matrix.offers, matrix.respondents) == (7, 3)
    assert ("Grundschule", "Nordstadt") in coverage.gap_list(matrix)


def test_dense_rule_needs_twice_the_median_and_at_least_three():
    assert coverage.dense_cells([[2, 2], [2, 2]]) == frozenset()
    assert coverage.dense_cells([[3, 3], [3, 3]]) == frozenset()  # uniform: nothing stands out
    assert coverage.dense_cells([[1, 2], [2, 5]]) == {(1, 1)}  # median 2 → threshold 4
    assert coverage.dense_cells([[0, 0], [0, 0]]) == frozenset()
    assert coverage.dense_cells([[9, 1]], excluded_columns=[0]) == frozenset()


def test_filters_by_sector_target_group_cost_and_setting(submitted):
    assert coverage.phase_by_district(submitted, costs=["gebuehr"]).offers == 1
    assert coverage.phase_by_district(submitted, target_groups=["kinder"]).offers == 1
    assert coverage.phase_by_district(submitted, settings=["einzeln"]).offers == 1
    assert coverage.phase_by_district(submitted, sectors=["gesundheit"]).offers == 1


def test_phase_by_sector_uses_the_offering_actors_sector(submitted):
    matrix = coverage.phase_by_sector(submitted)
    assert [o.code for o in matrix.columns] == ["jugendhilfe", "gesundheit", "bildung"]
    assert matrix.cell("kita", "jugendhilfe") == 5
    assert matrix.cell("schwangerschaft_geburt", "gesundheit") == 1
    assert (2, 2) in matrix.gaps  # no offer of the education sector for primary school age


def test_target_group_by_phase(submitted):
    matrix = coverage.target_group_by_phase(submitted)
    assert [o.code for o in matrix.rows] == ["eltern", "kinder"]
    assert matrix.cell("kinder", "kita") == 1
    assert matrix.cell("eltern", "kita") == 5


def test_no_offers_gives_an_all_gap_matrix(make, submitted):
    empty = Dataset(submitted.questions, (ResponseRecord(9, "submitted", None, None, "X", {}),),
                    districts=submitted.districts)
    matrix = coverage.phase_by_district(empty)
    assert matrix.offers == 0 and len(matrix.gaps) == 9 and not matrix.dense


def test_offers_marked_as_ended_are_not_counted():
    from analysis import coverage
    from analysis.dataset import Dataset, ResponseRecord
    from questionnaires.model import Option, Question

    fields = (
        Question("angebote.angebote.name", "short_text", "Name"),
        Question("angebote.angebote.lebensphasen", "multiple_choice", "Phase", options=(Option("kita", "Kita"),)),
        Question("angebote.angebote.stadtteile", "district", "Stadtteil", options=(Option("nord", "Nord"),)),
        Question("angebote.angebote.status", "single_choice", "Status",
                 options=(Option("laeuft", "läuft weiter"), Option("beendet", "beendet"))),
    )
    group = Question("angebote.angebote", "group", "Angebote", fields=fields)
    entries = [
        {"name": "Babyclub", "lebensphasen": ["kita"], "stadtteile": ["nord"], "status": "laeuft"},
        {"name": "Elterncafé", "lebensphasen": ["kita"], "stadtteile": ["nord"], "status": "beendet"},
    ]
    dataset = Dataset(questions=(group,), districts=(Option("nord", "Nord"),), responses=(
        ResponseRecord(1, "submitted", None, "a1", "Kita", {"angebote.angebote": entries}),))
    assert [o.name for o in coverage.offers(dataset)] == ["Babyclub"]
    assert coverage.phase_by_district(dataset).cell("kita", "nord") == 1
