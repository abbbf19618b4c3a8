"""Descriptive statistics on the hand-made survey of conftest.py."""

import pytest

from analysis import statistics as st


def test_single_choice_counts_and_percentages_relative_to_answering(submitted):
    result = st.summarise(submitted, submitted.question("akteur.sektor"))
    assert isinstance(result, st.Frequencies)
    assert result.n == 3 and result.missing == 0
    counts = {row.code: (row.count, row.percent) for row in result.rows}
    assert counts["jugendhilfe"] == (2, pytest.approx(200 / 3))
    assert counts["gesundheit"] == (1, pytest.approx(100 / 3))
    assert counts["bildung"] == (0, 0.0)


def test_multiple_choice_percentages_use_respondents_and_list_other_texts(submitted):
    result = st.frequencies(submitted, submitted.question("netzwerk.lebensphasen"))
    counts = {row.code: row.count for row in result.rows}
    assert counts == {"schwangerschaft_geburt": 1, "kita": 2, "grundschule": 1, "other": 1}
    assert result.multiple
    assert [r.label for r in result.rows][-1] == "Sonstiges"
    assert next(r.percent for r in result.rows if r.code == "kita") == pytest.approx(200 / 3)
    assert result.other_texts == ("Senioren",)


def test_in_progress_responses_count_only_without_submitted_filter(dataset):
    everything = st.frequencies(dataset, dataset.question("netzwerk.lebensphasen"))
    assert everything.n == 4
    assert next(r.count for r in everything.rows if r.code == "grundschule") == 2


def test_numeric_summary_of_number_and_year(submitted):
    staff = st.summarise(submitted, submitted.question("akteur.mitarbeitende"))
    assert isinstance(staff, st.NumericSummary)
    assert (staff.n, staff.minimum, staff.maximum, staff.median) == (3, -3, 12.5, 4)
    assert staff.mean == pytest.approx(13.5 / 3)
    year = st.summarise(submitted, submitted.question("netzwerk.gruendung"))
    assert (year.q1, year.median, year.q3) == (2012.5, 2015, 2015)


def test_likert_and_matrix_distributions(submitted):
    single = st.summarise(submitted, submitted.question("netzwerk.zufriedenheit"))
    assert isinstance(single, st.LikertDistribution)
    assert single.counts == ((1, 1, 1, 0, 0, 0),)
    matrix = st.summarise(submitted, submitted.question("netzwerk.bewertung"))
    assert [row.code for row in matrix.rows] == ["ziele", "austausch", "steuerung"]
    assert matrix.counts[0] == (1, 1, 0, 1, 0, 0)
    assert matrix.row_n == (3, 3, 2)
    assert matrix.substantive == (0, 1, 2, 3, 4)  # "weiß nicht" is not on the scale


def test_list_entries_are_counted_normalised_for_case_whitespace_and_punctuation(submitted):
    result = st.summarise(submitted, submitted.question("netzwerk.themen"))
    assert isinstance(result, st.Frequencies)
    first = result.rows[0]
    assert (first.label, first.count) == ("Kinderschutz", 3)
    assert {r.label: r.count for r in result.rows}["Sprache"] == 2


def test_same_topic_named_twice_by_one_respondent_counts_once(make):
    from analysis.dataset import Dataset, ResponseRecord

    question = make.question("netzwerk.themen", "list", max_entries=3)
    data = Dataset((question,),
                   (ResponseRecord(1, "submitted", None, None, "X", {question.key: ["Sprache", "sprache "]}),))
    assert st.entry_frequencies(data, question).rows[0].count == 1


def test_free_texts_are_listed(submitted):
    result = st.summarise(submitted, submitted.question("netzwerk.fokus"))
    assert isinstance(result, st.Texts)
    assert result.texts[-1] == "Frühe Hilfen im Quartier"


def test_district_distribution_uses_the_actor_register(submitted):
    result = st.district_distribution(submitted)
    assert {r.code: r.count for r in result.rows} == {"nord": 2, "mitte": 2, "eving": 0}
    assert result.rows[0].label == "Nordstadt"


def test_district_question_takes_labels_from_the_dataset(submitted):
    result = st.summarise(submitted, submitted.question("akteur.stadtteile"))
    assert [(r.label, r.count) for r in result.rows] == [("Nordstadt", 2), ("Innenstadt", 2), ("Eving", 0)]


def test_filter_by_district_sector_and_provider_type(dataset):
    assert [r.id for r in dataset.filter(districts=["mitte"]).responses] == [1, 2]
    assert [r.id for r in dataset.filter(sectors=["jugendhilfe"]).responses] == [1, 3]
    assert [r.id for r in dataset.filter(provider_types=["frei"]).responses] == [3]
    assert [r.id for r in dataset.filter(submitted_only=False, sectors=["bildung"]).responses] == [4]
    assert [i.actor for i in dataset.filter(districts=["mitte"]).invitations] == ["a1", "a2"]


def test_group_questions_summarise_entry_counts(submitted):
    result = st.summarise(submitted, submitted.question("angebote.angebote"))
    assert result.values == (2.0, 1.0, 4.0)


def test_codes_unknown_to_the_options_are_kept(make):
    from analysis.dataset import Dataset, ResponseRecord

    question = make.question("x.y", "single_choice", options=())
    data = Dataset((question,), (ResponseRecord(1, "submitted", None, None, "X", {"x.y": "alt"}),))
    assert [(r.code, r.count) for r in st.frequencies(data, question).rows] == [("alt", 1)]


def test_mean_and_median_per_row_leave_dont_know_out_and_state_the_mapping(submitted):
    matrix = st.summarise(submitted, submitted.question("netzwerk.bewertung"))
    # ziele: sehr_gut (1), gut (2), schlecht (4); steuerung: teils (3) and "weiß nicht" (not on the scale)
    assert matrix.means[0] == pytest.approx(7 / 3) and matrix.medians[0] == 2
    assert matrix.means[2] == 3 and matrix.medians[2] == 3
    assert matrix.mapping == "1 = sehr gut … 5 = sehr schlecht; ohne „weiß nicht“"
    single = st.summarise(submitted, submitted.question("netzwerk.zufriedenheit"))
    assert single.means == (2.0,) and single.medians == (2.0,)


def test_median_of_an_even_count_lies_between_two_positions(make):
    from analysis.dataset import Dataset, ResponseRecord
    from questionnaires.model import Option

    scale = (Option("a", "A"), Option("b", "B"), Option("c", "C"), Option("kann_nicht_beurteilen", "Kann ich nicht"))
    question = make.question("x.skala", "likert", options=scale)
    answers = ["a", "b", "c", "c", "kann_nicht_beurteilen", "kann_nicht_beurteilen"]
    data = Dataset((question,), tuple(ResponseRecord(i, "submitted", None, None, f"O{i}", {question.key: v})
                                      for i, v in enumerate(answers)))
    result = st.likert_distribution(data, question)
    assert result.row_n == (6,)  # the distribution still shows the don't-knows
    assert result.means == (pytest.approx(9 / 4),) and result.medians == (2.5,)
    assert st.scale_values(scale) == {"a": 1, "b": 2, "c": 3}


def test_an_option_the_survey_added_to_a_scale_is_not_a_position(make):
    from questionnaires.model import LOCAL_PREFIX, Option

    scale = (Option("a", "A"), Option("b", "B"), Option("c", "C"), Option(f"{LOCAL_PREFIX}1", "Weiß noch nicht"))
    assert st.scale_values(scale) == {"a": 1, "b": 2, "c": 3}
    assert st.scale_mapping(scale) == "1 = A … 3 = C; ohne „Weiß noch nicht“"
