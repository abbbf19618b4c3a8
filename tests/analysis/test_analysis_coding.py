"""Coding free text (analysis.coding): normal forms, text groups, ranked suggestions, counting
categories and the category column of the exports."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis import Dataset, ResponseRecord, export, statistics
from analysis.charts import defaults as default_charts
from analysis.coding import UNCODED, UNCODED_LABEL, Coding, normalise, similar_uncoded, suggestions, text_groups
from questionnaires.model import Option, Question

TOPICS = Question(key="netzwerk.themen", kind="list", prompt="Die drei wesentlichsten Themen", max_entries=3)
FOCUS = Question(key="netzwerk.fokus", kind="long_text", prompt="Fokus des Netzwerks")
SPELLINGS = ["Übergang Kita – Schule", "Übergang Kita-Schule", "uebergang kita - schule.", "ÜBERGANG  KITA—SCHULE",
             "„Übergang Kita–Schule“"]


def test_spellings_of_one_topic_have_one_normal_form():
    assert {normalise(s) for s in SPELLINGS} == {"uebergang kita-schule"}
    assert normalise("Straße") == normalise("STRASSE") == "strasse"
    assert normalise("Sprachförderung") != normalise("Sprachbildung")


_dash = st.sampled_from(["-", "–", "—", " - ", " – ", "-  "])
_case = st.sampled_from([str.lower, str.upper, str.title, lambda s: s])
_umlaut = st.sampled_from([("Ü", "ü"), ("Ue", "ue")])
_end = st.sampled_from(["", ".", "!", " ", "  ;"])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])  # a loaded machine
@given(dash=_dash, case=_case, umlaut=_umlaut, end=_end, space=st.sampled_from([" ", "  ", "\t"]))
def test_any_spelling_of_a_topic_normalises_alike_and_groups_as_one(dash, case, umlaut, end, space):
    upper, _lower = umlaut
    spelling = case(f"{upper}bergang{space}Kita{dash}Schule") + end
    assert normalise(spelling) == "uebergang kita-schule"
    groups = text_groups([[spelling], ["Übergang Kita-Schule"], ["Sprachförderung"]])
    assert [(g.text, g.count) for g in groups] == [("uebergang kita-schule", 2), ("sprachfoerderung", 1)]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])  # a loaded machine
@given(typo=st.sampled_from(["Sprachfördrung", "Sprach-Förderung", "Sprachfoerderung im Kita", "sprachförderungen"]),
       other=st.sampled_from(["Elternarbeit", "Kinderschutz", "Gesundheit"]))
def test_a_near_spelling_is_suggested_for_its_category_before_weaker_matches(typo, other):
    coding = Coding(TOPICS.key, (Option("k1", "Sprachförderung"), Option("k2", "Elternarbeit und Beteiligung")),
                    {normalise("Sprachförderung"): "k1"})
    groups = text_groups([[typo], [other], ["Sprachförderung"]], coding)
    found = suggestions(groups, coding)
    assert found, "a near spelling is suggested"
    assert found[0].text == normalise(typo) and found[0].category == "k1"
    assert all(a.score >= b.score for a, b in zip(found, found[1:], strict=False))  # ranked
    assert normalise(other) not in {s.text for s in found if s.category == "k1"}
    # rejected once, never again for that category
    again = suggestions(groups, coding, rejected={(normalise(typo), "k1")})
    assert (normalise(typo), "k1") not in {(s.text, s.category) for s in again}


def test_assigned_texts_are_not_suggested():
    coding = Coding(TOPICS.key, (Option("k1", "Kinderschutz"),), {"kinderschutz": "k1"})
    assert suggestions(text_groups([["Kinderschutz"], ["kinderschutz!"]], coding), coding) == []


def _dataset(values: list, question: Question = TOPICS, coding: Coding | None = None) -> Dataset:
    responses = tuple(ResponseRecord(i, "submitted", None, None, f"Org {i}", {question.key: v})
                      for i, v in enumerate(values, 1))
    return Dataset(questions=(question,), responses=responses, codings={question.key: coding} if coding else {})


def test_a_coded_list_question_counts_respondents_per_category_and_uncoded_last():
    coding = Coding(TOPICS.key, (Option("k1", "Übergänge"), Option("k2", "Sprache")),
                    {"uebergang kita-schule": "k1", "sprachfoerderung": "k2", "sprachbildung": "k2"})
    dataset = _dataset([["Übergang Kita – Schule", "Sprachförderung"], ["Sprachbildung", "sprachförderung"],
                        ["Übergang Kita-Schule", "Kinderschutz"], []], coding=coding)
    summary = statistics.summarise(dataset, TOPICS)
    assert isinstance(summary, statistics.Frequencies) and summary.multiple
    assert [(r.label, r.count) for r in summary.rows] == [("Übergänge", 2), ("Sprache", 2), (UNCODED_LABEL, 1)]
    assert summary.n == 3
    assert default_charts.chart_for(dataset, TOPICS) is not None
    # without categories the list is counted by entry as before (no "nicht zugeordnet")
    plain = statistics.summarise(_dataset([["Übergang Kita – Schule"], ["Kinderschutz"]]), TOPICS)
    assert [r.label for r in plain.rows] == ["Kinderschutz", "Übergang Kita – Schule"]


def test_the_export_has_a_category_column_after_the_question_and_the_codebook_lists_categories():
    coding = Coding(FOCUS.key, (Option("k7", "Frühe Hilfen"),), {"fruehe hilfen": "k7"})
    dataset = _dataset(["Frühe Hilfen", "Quartiersarbeit", None], FOCUS, coding)
    raw = list(export.response_rows(dataset.questions, dataset.responses, "raw", codings=dataset.codings))
    readable = list(export.response_rows(dataset.questions, dataset.responses, "readable", codings=dataset.codings))
    assert raw[0][-2:] == ["netzwerk.fokus", "netzwerk.fokus/kategorie"]
    assert [row[-1] for row in raw[1:]] == ["k7", UNCODED, None]
    assert readable[0][-1] == "Fokus des Netzwerks – Kategorie"
    assert [row[-1] for row in readable[1:]] == ["Frühe Hilfen", UNCODED_LABEL, None]
    codebook = list(export.codebook_rows(dataset))
    categories = [(r[5], r[6]) for r in codebook if r[2] == export.ROLE_CATEGORY]
    assert categories == [("k7", "Frühe Hilfen"), (UNCODED, UNCODED_LABEL)]
    assert next(r for r in codebook if r[5] == "netzwerk.fokus/kategorie")[:6] == \
        ["netzwerk.fokus", "", "spalte", "", "", "netzwerk.fokus/kategorie"]
    # without a coding nothing changes
    assert list(export.response_rows(dataset.questions, dataset.responses, "raw"))[0][-1] == "netzwerk.fokus"


def test_the_workbook_has_a_coding_sheet_listing_each_category_with_its_texts():
    from analysis import workbook

    coding = Coding(FOCUS.key, (Option("k7", "Frühe Hilfen"), Option("k8", "Quartier")), {"fruehe hilfen": "k7"})
    dataset = _dataset(["Frühe Hilfen", "Quartiersarbeit"], FOCUS, coding)
    sheets = {s.name: s for s in workbook.row_sheets(dataset.questions, lambda: dataset.responses, dataset)}
    assert list(sheets["Kodierung"].rows()) == [
        export.CODING_COLUMNS,
        ["netzwerk.fokus", "Fokus des Netzwerks", "k7", "Frühe Hilfen", "fruehe hilfen"],
        ["netzwerk.fokus", "Fokus des Netzwerks", "k8", "Quartier", ""],
    ]
    assert "Kodierung" not in {s.name for s in workbook.row_sheets(dataset.questions, lambda: (), _dataset([]))}


def test_alike_uncoded_texts_are_hinted_before_any_category_exists():
    groups = text_groups([["Sprachförderung"], ["Sprachfördrung"], ["Kinderschutz"], ["Elternarbeit"]])
    alike = similar_uncoded(groups)
    assert [other for other, _score in alike["sprachfoerderung"]] == ["sprachfoerdrung"]
    assert "kinderschutz" not in alike and alike["sprachfoerdrung"][0][1] >= 90
