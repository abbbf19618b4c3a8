"""Typed answers turn back into form fields (to pre-fill a later wave) and parse to the same value."""

import pytest

from questionnaires.kinds import KINDS
from questionnaires.model import Option, Question

OPTIONS = (Option("a", "A"), Option("b", "B"), Option("c", "C"))
SCALE = (Option("nie", "nie"), Option("oft", "oft"))


def _roundtrip(question, values):
    result = KINDS[question.kind].to_raw(question, values[question.key], question.key, values)
    parsed = KINDS[question.kind].parse(question, result.raw, question.key)
    return result, parsed


@pytest.mark.parametrize("question, value", [
    (Question("m.s", "single_choice", "?", options=OPTIONS), "b"),
    (Question("m.l", "likert", "?", options=SCALE), "oft"),
    (Question("m.m", "multiple_choice", "?", options=OPTIONS), ["a", "c"]),
    (Question("m.t", "short_text", "?"), "Familienzentrum Nord"),
    (Question("m.x", "long_text", "?"), "Zeile eins\nZeile zwei"),
    (Question("m.n", "number", "?"), 1234),
    (Question("m.f", "number", "?", integer=False), 2.5),
    (Question("m.y", "year", "?"), 2015),
    (Question("m.d", "date", "?"), "2025-03-01"),
    (Question("m.r", "matrix", "?", options=SCALE, items=(Option("x", "X"), Option("y", "Y"))),
     {"x": "nie", "y": "oft"}),
    (Question("m.e", "list", "?", max_entries=3), ["Sprache", "Kinderschutz"]),
    (Question("m.k", "district", "?", options=(Option("nord", "Nord"), Option("sued", "Süd"))), ["sued"]),
])
def test_every_kind_round_trips(question, value):
    result, parsed = _roundtrip(question, {question.key: value})
    assert result.clean
    assert parsed.errors == {}
    assert parsed.values[question.key] == value


def test_other_text_comes_back_with_the_choice():
    question = Question("m.s", "multiple_choice", "?", options=OPTIONS, other=True)
    values = {"m.s": ["a", "other"], "m.s/other": "Elterncafé"}
    result, parsed = _roundtrip(question, values)
    assert parsed.values == values


def test_group_and_roster_entries_round_trip():
    fields = (Question("g.o.name", "short_text", "Name"),
              Question("g.o.phasen", "multiple_choice", "?", options=OPTIONS))
    group = Question("g.o", "group", "Angebote", fields=fields)
    offers = [{"name": "Babyclub", "phasen": ["a"]}, {"name": "Elterncafé", "phasen": ["b", "c"]}]
    result, parsed = _roundtrip(group, {"g.o": offers})
    assert result.clean and parsed.values["g.o"] == offers
    roster = Question("k.p", "partner_roster", "Partner",
                      fields=(Question("k.p.art", "single_choice", "?", options=OPTIONS),))
    partners = [{"actor": "a7", "name": "Kita Sonnenschein", "art": "a"}, {"actor": "", "name": "Verein X", "art": "b"}]
    result, parsed = _roundtrip(roster, {"k.p": partners})
    assert parsed.values["k.p"] == partners


def test_answer_with_a_removed_option_is_left_empty_and_marked_unclean():
    question = Question("m.m", "multiple_choice", "?", options=OPTIONS[:2])  # option "c" was removed
    result = KINDS["multiple_choice"].to_raw(question, ["a", "c"], "m.m", {})
    assert result.raw == {} and result.clean is False
    single = Question("m.s", "single_choice", "?", options=OPTIONS[:2])
    assert KINDS["single_choice"].to_raw(single, "c", "m.s", {}).clean is False
