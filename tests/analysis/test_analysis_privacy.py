"""Small-number suppression."""

from analysis import privacy
from analysis import statistics as st


def test_small_cells_are_hidden_with_complementary_suppression():
    # single choice, n = 10: the 2 is hidden, and the next smallest non-zero cell too
    assert privacy.suppress_counts([5, 2, 3, 0], additive=True) == [5, None, None, 0]
    # the hidden cells together must hold at least min_group respondents
    assert privacy.suppress_counts([1, 1, 8], additive=True) == [None, None, None]
    assert privacy.suppress_counts([4, 1, 1, 6], additive=True) == [None, None, None, 6]
    # multiple choice: counts do not add up, only the small cell goes
    assert privacy.suppress_counts([5, 2, 3]) == [5, None, 3]


def test_summary_of_fewer_than_min_group_is_suppressed_entirely(submitted):
    result = privacy.suppress(st.summarise(submitted, submitted.question("akteur.sektor")), min_group=4)
    assert result.suppressed
    assert all(row.count is None for row in result.rows)


def test_planner_sees_everything(submitted):
    summary = st.summarise(submitted, submitted.question("akteur.sektor"))
    assert privacy.suppress(summary, planner=True) is summary


def test_frequency_cells_below_three_are_suppressed_for_analysts(submitted):
    result = privacy.suppress(st.summarise(submitted, submitted.question("akteur.sektor")))
    assert {r.code: r.count for r in result.rows} == {"jugendhilfe": None, "gesundheit": None, "bildung": 0}
    assert all(r.percent is None for r in result.rows if r.count is None)


def test_numeric_summary_below_min_group_loses_its_numbers(submitted):
    result = privacy.suppress(st.summarise(submitted, submitted.question("akteur.mitarbeitende")), min_group=5)
    assert result.suppressed and result.mean is None and result.values == ()


def test_likert_rows_are_suppressed_per_row(submitted):
    result = privacy.suppress(st.summarise(submitted, submitted.question("netzwerk.bewertung")))
    assert result.counts[2] == (None,) * 6  # row with n = 2
    assert 1 not in result.counts[0]


def test_suppress_table_labels_small_counts():
    rows = [["Nord", 5, 1], ["Süd", 0, 2]]
    assert privacy.suppress_table(rows, [1, 2]) == [["Nord", 5, "< 3"], ["Süd", 0, "< 3"]]
    assert privacy.suppress_table(rows, [1, 2], planner=True) == rows
