"""Every question kind read from raw form input (field name → list of values), and conditions."""

from __future__ import annotations

import datetime as dt

import pytest

from questionnaires import formatting as fmt
from questionnaires.conditions import condition_met, visible
from questionnaires.formatting import number as format_number
from questionnaires.kinds import KINDS, parse_number
from questionnaires.model import Condition, Option, Question

JA_NEIN = (Option("ja", "Ja"), Option("nein", "Nein"))
ZUSTIMMUNG = tuple(
    Option(code, code)
    for code in ("trifft_gar_nicht_zu", "trifft_eher_nicht_zu", "teils_teils", "trifft_eher_zu", "trifft_voll_zu")
)


def q(key="x.frage", kind="short_text", **attributes) -> Question:
    return Question(key=key, kind=kind, prompt="Frage?", **attributes)


def parse(question: Question, raw: dict[str, list[str]]):
    return KINDS[question.kind].parse(question, raw, question.key)


# --- single and multiple choice, likert --------------------------------------------------------


def test_single_choice_known_code():
    result = parse(q(kind="single_choice", options=JA_NEIN), {"x.frage": ["ja"]})
    assert result.values == {"x.frage": "ja"}
    assert result.errors == {}


def test_single_choice_unknown_code_is_an_error_without_value():
    result = parse(q(kind="single_choice", options=JA_NEIN), {"x.frage": ["vielleicht"]})
    assert "x.frage" not in result.values
    assert result.errors == {"x.frage": "Bitte eine der angebotenen Antworten wählen."}


def test_single_choice_empty_is_none():
    question = q(kind="single_choice", options=JA_NEIN)
    for raw in ({}, {"x.frage": [""]}, {"x.frage": ["  "]}):
        result = parse(question, raw)
        assert result.values == {"x.frage": None}
        assert result.errors == {}


def test_single_choice_other_with_text():
    question = q(kind="single_choice", options=JA_NEIN, other=True)
    result = parse(question, {"x.frage": ["other"], "x.frage/other": [" Stiftung "]})
    assert result.values == {"x.frage": "other", "x.frage/other": "Stiftung"}
    assert result.errors == {}


def test_single_choice_other_without_text_is_an_error():
    question = q(kind="single_choice", options=JA_NEIN, other=True)
    result = parse(question, {"x.frage": ["other"], "x.frage/other": [""]})
    assert result.errors == {"x.frage": "Bitte angeben, was mit „Sonstiges“ gemeint ist."}


def test_other_is_not_accepted_when_the_question_has_no_sonstiges():
    result = parse(q(kind="single_choice", options=JA_NEIN), {"x.frage": ["other"]})
    assert "x.frage" in result.errors


def test_likert_reads_a_scale_code():
    question = q(kind="likert", options=ZUSTIMMUNG)
    assert parse(question, {"x.frage": ["trifft_eher_zu"]}).values == {"x.frage": "trifft_eher_zu"}
    assert "x.frage" in parse(question, {"x.frage": ["sehr"]}).errors


def test_multiple_choice_keeps_option_order_and_ignores_blanks():
    question = q(kind="multiple_choice", options=(Option("a", "A"), Option("b", "B"), Option("c", "C")))
    result = parse(question, {"x.frage": ["c", "", "a"]})
    assert result.values == {"x.frage": ["a", "c"]}
    assert result.errors == {}


def test_multiple_choice_empty_is_empty_list():
    question = q(kind="multiple_choice", options=JA_NEIN)
    result = parse(question, {})
    assert result.values == {"x.frage": []}
    assert KINDS["multiple_choice"].is_empty(result.values["x.frage"])


def test_multiple_choice_unknown_code():
    question = q(kind="multiple_choice", options=JA_NEIN)
    result = parse(question, {"x.frage": ["ja", "erfunden"]})
    assert result.errors == {"x.frage": "Bitte nur angebotene Antworten wählen."}
    assert "erfunden" not in result.values["x.frage"]


def test_multiple_choice_other():
    question = q(kind="multiple_choice", options=JA_NEIN, other=True)
    result = parse(question, {"x.frage": ["other", "nein"], "x.frage/other": ["Übergang Kita"]})
    assert result.values == {"x.frage": ["nein", "other"], "x.frage/other": "Übergang Kita"}
    assert result.errors == {}
    missing = parse(question, {"x.frage": ["other"]})
    assert missing.errors == {"x.frage": "Bitte angeben, was mit „Sonstiges“ gemeint ist."}


# --- text --------------------------------------------------------------------------------------


def test_short_text_is_stripped_and_empty_is_none():
    question = q()
    assert parse(question, {"x.frage": ["  Familienzentrum Nord "]}).values == {"x.frage": "Familienzentrum Nord"}
    assert parse(question, {"x.frage": ["   "]}).values == {"x.frage": None}
    assert parse(question, {}).values == {"x.frage": None}


def test_short_text_too_long():
    result = parse(q(), {"x.frage": ["x" * 301]})
    assert result.errors == {"x.frage": "Bitte höchstens 300 Zeichen eingeben."}


def test_long_text_keeps_line_breaks():
    text = "Erstens: Sprachförderung\nZweitens: Elterncafé"
    result = parse(q(kind="long_text"), {"x.frage": [f"  {text}\n"]})
    assert result.values == {"x.frage": text}
    assert "x.frage" not in result.errors
    assert parse(q(kind="long_text"), {"x.frage": ["x" * 5001]}).errors


# --- numbers, years, dates ---------------------------------------------------------------------


def test_number_with_words_is_a_german_error_and_no_value():
    result = parse(q(kind="number"), {"x.frage": ["ca. 20"]})
    assert "x.frage" not in result.values
    assert result.errors == {"x.frage": "Bitte eine ganze Zahl eingeben, z. B. 20."}


@pytest.mark.parametrize(
    "text, integer, expected",
    [
        ("20", True, 20),
        (" 20 ", True, 20),
        ("1.234", True, 1234),
        ("1.234.567", True, 1234567),
        ("1 234", True, 1234),
        ("20,5", False, 20.5),
        ("20.5", False, 20.5),
        ("1.234,5", False, 1234.5),
        ("-3", True, -3),
    ],
)
def test_number_notations(text, integer, expected):
    question = q(kind="number", integer=integer)
    result = parse(question, {"x.frage": [text]})
    assert result.errors == {}
    assert result.values["x.frage"] == expected
    assert type(result.values["x.frage"]) is type(expected)


def test_number_decimal_in_whole_number_field():
    result = parse(q(kind="number"), {"x.frage": ["20,5"]})
    assert "x.frage" not in result.values
    assert result.errors == {"x.frage": "Bitte eine ganze Zahl eingeben, z. B. 20."}
    decimal = parse(q(kind="number", integer=False), {"x.frage": ["zwanzig"]})
    assert decimal.errors == {"x.frage": "Bitte eine Zahl eingeben, z. B. 20."}


def test_number_bounds():
    question = q(kind="number", minimum=0, maximum=5000)
    assert parse(question, {"x.frage": ["5000"]}).values == {"x.frage": 5000}
    assert parse(question, {"x.frage": ["0"]}).values == {"x.frage": 0}
    too_big = parse(question, {"x.frage": ["5.001"]})
    assert too_big.errors == {"x.frage": "Bitte eine Zahl zwischen 0 und 5.000 eingeben."}
    assert "x.frage" not in too_big.values
    assert parse(q(kind="number", minimum=1),
                 {"x.frage": ["0"]}).errors == {"x.frage": "Bitte eine Zahl ab 1 eingeben."}
    assert parse(q(kind="number", maximum=10),
                 {"x.frage": ["11"]}).errors == {"x.frage": "Bitte eine Zahl bis 10 eingeben."}


def test_number_empty_is_none():
    assert parse(q(kind="number"), {"x.frage": [""]}).values == {"x.frage": None}
    assert parse(q(kind="number"), {}).errors == {}


def test_parse_and_format_number():
    assert parse_number("1.234,5", integer=False) == 1234.5
    with pytest.raises(ValueError):
        parse_number("20 Stunden", integer=True)
    assert format_number(1234) == "1.234"
    assert format_number(19.5) == "19,5"


def test_year_valid_and_empty():
    question = q(kind="year", minimum=1950)
    assert parse(question, {"x.frage": ["2015"]}).values == {"x.frage": 2015}
    assert parse(question, {"x.frage": [""]}).values == {"x.frage": None}


def test_year_needs_four_digits():
    result = parse(q(kind="year"), {"x.frage": ["15"]})
    assert result.errors == {"x.frage": "Bitte eine Jahreszahl mit vier Ziffern eingeben, z. B. 2015."}
    assert "x.frage" not in result.values
    assert parse(q(kind="year"), {"x.frage": ["seit 2015"]}).errors


def test_year_bounds():
    question = q(kind="year", minimum=1950)
    latest = dt.datetime.now(fmt.BERLIN).year + 5
    assert parse(question, {"x.frage": ["1949"]}).errors == {
        "x.frage": f"Bitte ein Jahr zwischen 1950 und {latest} eingeben."
    }
    assert parse(question, {"x.frage": [str(latest)]}).values == {"x.frage": latest}
    assert "x.frage" in parse(question, {"x.frage": [str(latest + 1)]}).errors
    default = q(kind="year")
    assert parse(default, {"x.frage": ["1899"]}).errors
    assert parse(default, {"x.frage": ["1900"]}).values == {"x.frage": 1900}


@pytest.mark.parametrize("text", ["2024-03-07", "07.03.2024", "7.3.2024"])
def test_date_in_both_formats(text):
    result = parse(q(kind="date"), {"x.frage": [text]})
    assert result.values == {"x.frage": "2024-03-07"}
    assert result.errors == {}


@pytest.mark.parametrize("text", ["31.02.2024", "März 2024", "2024/03/07"])
def test_date_invalid(text):
    result = parse(q(kind="date"), {"x.frage": [text]})
    assert result.errors == {"x.frage": "Bitte ein Datum im Format TT.MM.JJJJ eingeben."}
    assert "x.frage" not in result.values


def test_date_empty_and_display():
    question = q(kind="date")
    assert parse(question, {}).values == {"x.frage": None}
    assert KINDS["date"].display(question, "2024-03-07") == "07.03.2024"
    assert KINDS["date"].display(question, None) == "–"


# --- matrix, list, district --------------------------------------------------------------------

MATRIX = q(
    key="x.bewertung",
    kind="matrix",
    options=ZUSTIMMUNG,
    items=(Option("verbindlichkeit", "Verbindlich"), Option("transparenz", "Transparent"), Option("nutzen", "Nutzen")),
)


def test_matrix_reads_rows_and_skips_unanswered():
    raw = {"x.bewertung/verbindlichkeit": ["trifft_voll_zu"], "x.bewertung/nutzen": ["teils_teils"],
           "x.bewertung/transparenz": [""]}
    result = parse(MATRIX, raw)
    assert result.values == {"x.bewertung": {"verbindlichkeit": "trifft_voll_zu", "nutzen": "teils_teils"}}
    assert result.errors == {}


def test_matrix_unknown_scale_code():
    result = parse(MATRIX, {"x.bewertung/nutzen": ["super"], "x.bewertung/transparenz": ["trifft_eher_zu"]})
    assert result.errors == {"x.bewertung": "Bitte nur angebotene Antworten wählen."}
    assert result.values["x.bewertung"] == {"transparenz": "trifft_eher_zu"}


def test_matrix_ignores_rows_that_are_not_items():
    result = parse(MATRIX, {"x.bewertung/erfunden": ["trifft_voll_zu"]})
    assert result.values == {"x.bewertung": {}}
    assert KINDS["matrix"].is_empty(result.values["x.bewertung"])


def test_matrix_export_one_column_per_row():
    kind = KINDS["matrix"]
    assert kind.export_columns(MATRIX) == ["x.bewertung/verbindlichkeit", "x.bewertung/transparenz",
                                           "x.bewertung/nutzen"]
    assert kind.export_cells(MATRIX, {"nutzen": "teils_teils"}, {}) == [None, None, "teils_teils"]


def test_list_skips_empty_entries_and_truncates_to_max_entries():
    question = q(key="x.themen", kind="list", max_entries=3)
    raw = {
        "x.themen/0": ["Sprachförderung"],
        "x.themen/1": [""],
        "x.themen/2": ["Übergang Kita – Grundschule"],
        "x.themen/3": ["Elternarbeit"],
        "x.themen/10": ["Kinderschutz"],
    }
    result = parse(question, raw)
    assert result.values == {"x.themen": ["Sprachförderung", "Übergang Kita – Grundschule", "Elternarbeit"]}


def test_list_entries_in_numeric_order():
    question = q(key="x.themen", kind="list", max_entries=5)
    raw = {"x.themen/10": ["zehn"], "x.themen/2": ["zwei"], "x.themen/1": ["eins"]}
    assert parse(question, raw).values == {"x.themen": ["eins", "zwei", "zehn"]}


def test_list_empty():
    question = q(key="x.themen", kind="list", max_entries=3)
    assert parse(question, {}).values == {"x.themen": []}
    assert parse(question, {"x.themen/0": ["  "]}).values == {"x.themen": []}


def test_district_known_and_unknown():
    question = q(kind="district", options=(Option("eving", "Eving"), Option("scharnhorst", "Scharnhorst")))
    assert parse(question, {"x.frage": ["scharnhorst", "eving"]}).values == {"x.frage": ["eving", "scharnhorst"]}
    result = parse(question, {"x.frage": ["mars"]})
    assert result.errors == {"x.frage": "Bitte nur Stadtteile aus der Liste wählen."}
    assert result.values == {"x.frage": []}


# --- groups and partner rosters ----------------------------------------------------------------

OFFERS = q(
    key="x.angebote",
    kind="group",
    max_entries=2,
    fields=(
        q(key="x.angebote.name", kind="short_text"),
        q(key="x.angebote.seit", kind="year"),
        q(key="x.angebote.kosten", kind="single_choice",
          options=(Option("kostenfrei", "Kostenfrei"), Option("kostenpflichtig", "Kostenpflichtig"))),
        q(key="x.angebote.setting", kind="multiple_choice", options=(Option("komm", "Komm"), Option("geh", "Geh")),
          other=True),
    ),
)


def test_group_entries_by_short_field_name_and_empty_entries_skipped():
    raw = {
        "x.angebote/0/name": ["Elterncafé"],
        "x.angebote/0/seit": ["2018"],
        "x.angebote/0/kosten": ["kostenfrei"],
        "x.angebote/0/setting": ["komm", "other"],
        "x.angebote/0/setting/other": ["im Park"],
        "x.angebote/1/name": [""],
        "x.angebote/1/seit": [""],
        "x.angebote/2/name": ["Babyclub"],
    }
    result = parse(OFFERS, raw)
    assert result.errors == {}
    entries = result.values["x.angebote"]
    assert len(entries) == 2
    assert entries[0] == {
        "name": "Elterncafé", "seit": 2018, "kosten": "kostenfrei",
        "setting": ["komm", "other"], "setting/other": "im Park",
    }
    assert entries[1]["name"] == "Babyclub"
    assert entries[1]["seit"] is None


def test_group_reports_field_errors_by_field_name():
    raw = {
        "x.angebote/0/name": ["Elterncafé"],
        "x.angebote/0/seit": ["seit Jahren"],
        "x.angebote/3/name": ["Babyclub"],
        "x.angebote/3/kosten": ["umsonst"],
    }
    result = parse(OFFERS, raw)
    assert result.errors == {
        "x.angebote/0/seit": "Bitte eine Jahreszahl mit vier Ziffern eingeben, z. B. 2015.",
        "x.angebote/3/kosten": "Bitte eine der angebotenen Antworten wählen.",
    }
    assert [e["name"] for e in result.values["x.angebote"]] == ["Elterncafé", "Babyclub"]
    assert "seit" not in result.values["x.angebote"][0]


def test_group_empty_and_max_entries():
    assert parse(OFFERS, {}).values == {"x.angebote": []}
    raw = {f"x.angebote/{n}/name": [f"Angebot {n}"] for n in range(4)}
    assert [e["name"] for e in parse(OFFERS, raw).values["x.angebote"]] == ["Angebot 0", "Angebot 1"]


def test_group_display_and_export():
    kind = KINDS["group"]
    assert kind.export_columns(OFFERS) == ["x.angebote/anzahl"]
    assert kind.export_cells(OFFERS, [{"name": "a"}, {"name": "b"}], {}) == [2]
    assert kind.display(OFFERS, []) == "–"


ROSTER = q(
    key="x.partner",
    kind="partner_roster",
    fields=(
        q(key="x.partner.art", kind="multiple_choice",
          options=(Option("informationsaustausch", "Info"), Option("fallabstimmung", "Fall"))),
        q(key="x.partner.haeufigkeit", kind="single_choice",
          options=(Option("monatlich", "Monatlich"), Option("woechentlich", "Wöchentlich"))),
    ),
)


def test_partner_roster_register_and_free_names():
    raw = {
        "x.partner/0/actor": ["a17"],
        "x.partner/0/art": ["fallabstimmung", "informationsaustausch"],
        "x.partner/0/haeufigkeit": ["woechentlich"],
        "x.partner/1/actor": [""],
        "x.partner/1/name": ["Kinderarztpraxis Dr. Weber"],
        "x.partner/1/haeufigkeit": ["monatlich"],
        "x.partner/2/actor": [""],
        "x.partner/2/name": [""],
        "x.partner/2/haeufigkeit": ["monatlich"],
    }
    result = parse(ROSTER, raw)
    assert result.errors == {}
    assert result.values == {
        "x.partner": [
            {"actor": "a17", "name": "", "art": ["informationsaustausch", "fallabstimmung"],
             "haeufigkeit": "woechentlich"},
            {"actor": "", "name": "Kinderarztpraxis Dr. Weber", "art": [], "haeufigkeit": "monatlich"},
        ]
    }


def test_partner_roster_field_error():
    raw = {"x.partner/0/name": ["Jugendzentrum"], "x.partner/0/haeufigkeit": ["taeglich"]}
    result = parse(ROSTER, raw)
    assert result.errors == {"x.partner/0/haeufigkeit": "Bitte eine der angebotenen Antworten wählen."}


def test_partner_roster_empty_and_display():
    assert parse(ROSTER, {}).values == {"x.partner": []}
    value = [{"actor": "a17", "name": ""}, {"actor": "", "name": "Kita Sonnenschein"}]
    assert KINDS["partner_roster"].display(ROSTER, value) == "a17, Kita Sonnenschein"


# --- info --------------------------------------------------------------------------------------


def test_info_has_no_answer():
    question = q(key="x.hinweis", kind="info")
    result = parse(question, {"x.hinweis": ["irgendwas"]})
    assert result.values == {}
    assert result.errors == {}
    assert not KINDS["info"].answerable
    assert KINDS["info"].export_columns(question) == []


# --- definitions -------------------------------------------------------------------------------


def test_every_kind_is_registered_under_its_name():
    assert set(KINDS) == {
        "single_choice", "multiple_choice", "likert", "short_text", "long_text", "number", "year", "date",
        "matrix", "list", "district", "partner_roster", "group", "info",
    }
    assert all(kind.name == name and kind.label for name, kind in KINDS.items())


def test_check_definition_accepts_a_good_question_and_rejects_bad_ones():
    assert KINDS["single_choice"].check_definition(q(kind="single_choice", options=JA_NEIN)) == []
    assert KINDS["single_choice"].check_definition(q(kind="single_choice", options=JA_NEIN + JA_NEIN[:1])) == [
        "Optionscode 'ja' kommt doppelt vor"
    ]
    assert KINDS["list"].check_definition(q(kind="list",
                                            max_entries=0)) == ["max_entries muss eine ganze Zahl ab 1 sein"]
    assert KINDS["number"].check_definition(q(kind="number", minimum=0, maximum=10)) == []
    assert KINDS["district"].check_definition(q(kind="district")) == []
    assert KINDS["partner_roster"].check_definition(q(kind="partner_roster")) == []


# --- conditions --------------------------------------------------------------------------------

FESTGESCHRIEBEN = q(key="x.festgeschrieben", kind="single_choice", options=JA_NEIN)
WO = q(key="x.wo", kind="long_text", condition=Condition.one_of("x.festgeschrieben", ("ja",)))
WER = q(key="x.wer", kind="short_text", condition=Condition.one_of("x.wo", ("Geschäftsordnung",)))
UEBERGAENGE = q(key="x.uebergaenge", kind="multiple_choice",
                options=(Option("kita", "Kita"), Option("schule", "Schule")))
KITA = q(key="x.kita", kind="long_text", condition=Condition.one_of("x.uebergaenge", ("kita",)))
QUESTIONS = [FESTGESCHRIEBEN, WO, WER, UEBERGAENGE, KITA]


def keys(questions):
    return [question.key for question in questions]


def test_condition_met_single_and_multiple():
    assert condition_met(FESTGESCHRIEBEN, {})
    assert condition_met(WO, {"x.festgeschrieben": "ja"})
    assert not condition_met(WO, {"x.festgeschrieben": "nein"})
    assert not condition_met(WO, {})
    assert condition_met(KITA, {"x.uebergaenge": ["schule", "kita"]})
    assert not condition_met(KITA, {"x.uebergaenge": ["schule"]})
    assert not condition_met(KITA, {"x.uebergaenge": []})


def test_visible_without_answers_shows_only_unconditional_questions():
    assert keys(visible(QUESTIONS, {})) == ["x.festgeschrieben", "x.uebergaenge"]


def test_visible_follows_the_answers():
    values = {"x.festgeschrieben": "ja", "x.wo": "Geschäftsordnung", "x.uebergaenge": ["kita"]}
    assert keys(visible(QUESTIONS, values)) == keys(QUESTIONS)


def test_hidden_question_hides_its_dependants_even_with_a_stale_answer():
    values = {"x.festgeschrieben": "nein", "x.wo": "Geschäftsordnung"}
    assert keys(visible(QUESTIONS, values)) == ["x.festgeschrieben", "x.uebergaenge"]


def test_condition_with_several_values():
    question = q(key="x.ziele", kind="long_text", condition=Condition.one_of("x.festgeschrieben", ("ja", "in_arbeit")))
    assert condition_met(question, {"x.festgeschrieben": "in_arbeit"})
    assert not condition_met(question, {"x.festgeschrieben": "nein"})


def test_other_text_is_dropped_when_sonstiges_is_not_chosen():
    from questionnaires.kinds import KINDS
    from questionnaires.model import Option, Question

    question = Question(key="m.q", kind="single_choice", prompt="?", options=(Option("a", "A"),), other=True)
    parsed = KINDS["single_choice"].parse(question, {"m.q": ["a"], "m.q/other": ["vergessener Text"]}, "m.q")
    assert parsed.values == {"m.q": "a", "m.q/other": None}
    multiple = Question(key="m.r", kind="multiple_choice", prompt="?", options=(Option("a", "A"),), other=True)
    parsed = KINDS["multiple_choice"].parse(multiple, {"m.r": ["a", "other"], "m.r/other": ["Elterncafé"]}, "m.r")
    assert parsed.values == {"m.r": ["a", "other"], "m.r/other": "Elterncafé"}
