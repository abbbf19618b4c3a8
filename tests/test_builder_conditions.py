"""Conditions ("nur zeigen, wenn …"): the evaluator over every operator, the stored and codebook
shapes (old ones still read), and the builder's "Bedingung" page with its German messages."""

from __future__ import annotations

import csv
import io
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from factories import make_survey
from questionnaires.conditions import condition_refs, holds, operators_for, visible
from questionnaires.kinds import KINDS
from questionnaires.model import (
    AND,
    ANSWERED,
    AT_LEAST,
    AT_MOST,
    CONTAINS,
    EQUALS,
    IS,
    ONE_OF,
    OR,
    Clause,
    Condition,
    Question,
)
from questionnaires.serialize import (
    condition_code_text,
    condition_from_code_text,
    condition_from_plain,
    condition_to_plain,
    question_from_dict,
)
from survey.extensions import db
from survey.models import AuditEntry, Survey, SurveyItem
from survey.services import surveys
from survey.services import waves as wave_service

CODES = ("ja", "nein", "in_arbeit", "other")
KEYS = ("a.eins", "a.zwei", "a.drei")

# --- the evaluator -------------------------------------------------------------------------------

answers = st.one_of(st.none(), st.sampled_from(CODES), st.lists(st.sampled_from(CODES), unique=True),
                    st.integers(-5, 50), st.floats(-5, 50, allow_nan=False), st.just(""), st.just([]))


@st.composite
def clauses(draw):
    operator = draw(st.sampled_from((IS, ONE_OF, CONTAINS, ANSWERED, AT_LEAST, AT_MOST, EQUALS)))
    key = draw(st.sampled_from(KEYS))
    if operator in (AT_LEAST, AT_MOST, EQUALS):
        return Clause(key, operator, (), draw(st.integers(-5, 50)))
    if operator == ANSWERED:
        return Clause(key, operator)
    size = 1 if operator in (IS, CONTAINS) else draw(st.integers(1, 3))
    return Clause(key, operator, tuple(draw(st.lists(st.sampled_from(CODES), min_size=size, max_size=size,
                                                      unique=True))))


def _oracle(clause: Clause, answer) -> bool:
    """The operators as the builder page explains them, written out once more."""
    given = [] if answer is None else answer if isinstance(answer, list) else [answer]
    if clause.operator == ANSWERED:
        return answer not in (None, "", [], {})
    if clause.operator in (AT_LEAST, AT_MOST, EQUALS):
        if isinstance(answer, bool) or not isinstance(answer, int | float):
            return False
        return {AT_LEAST: answer >= clause.number, AT_MOST: answer <= clause.number,
                EQUALS: answer == clause.number}[clause.operator]
    if clause.operator in (IS, CONTAINS):
        return clause.values[0] in given
    return bool(set(given) & set(clause.values))


@settings(max_examples=30, deadline=None)
@given(parts=st.lists(clauses(), min_size=1, max_size=3), combinator=st.sampled_from((AND, OR)),
       given_answers=st.fixed_dictionaries(dict.fromkeys(KEYS, answers)))
def test_a_condition_holds_as_its_clauses_and_combinator_say(parts, combinator, given_answers):
    condition = Condition(tuple(parts), combinator)
    results = [_oracle(c, given_answers[c.question]) for c in parts]
    assert holds(condition, given_answers) is (any(results) if combinator == OR else all(results))
    # stored and codebook shapes give back the same condition
    assert condition_from_plain(condition_to_plain(condition)) == condition
    one_line = condition if len(parts) > 1 else Condition(tuple(parts))  # one clause: no combinator to say
    assert condition_from_code_text(condition_code_text(condition)) == one_line


def test_the_stored_shape_of_before_clauses_is_still_read():
    old = {"key": "x.ziele", "kind": "long_text", "prompt": "Welche Ziele?",
           "condition": {"question": "x.fest", "values": ["ja", "in_arbeit"]}}
    question = question_from_dict(old)
    assert question.condition == Condition.one_of("x.fest", ("ja", "in_arbeit"))
    assert holds(question.condition, {"x.fest": "in_arbeit"}) and not holds(question.condition, {"x.fest": "nein"})


def test_a_hidden_question_counts_as_unanswered_for_the_questions_after_it():
    first = Question("x.a", "single_choice", "A?")
    second = Question("x.b", "single_choice", "B?", condition=Condition.one_of("x.a", ("ja",)))
    either = Question("x.c", "short_text", "C?", condition=Condition(
        (Clause("x.b", ANSWERED), Clause("x.a", IS, ("nein",))), OR))
    shown = visible([first, second, either], {"x.a": "vielleicht", "x.b": "ja"})
    assert [q.key for q in shown] == ["x.a"]  # B hidden, so its answer does not show C
    assert [q.key for q in visible([first, second, either], {"x.a": "nein"})] == ["x.a", "x.c"]


def test_the_registry_decides_which_operators_fit_a_question():
    for kind in KINDS.values():
        question = Question("x.q", kind.name, "?")
        allowed = operators_for(question)
        assert (ANSWERED in allowed) is kind.answerable
        assert (AT_LEAST in allowed) is (kind.family == "number")
        assert (ONE_OF in allowed) is (kind.family == "choice" and not kind.needs_items)


# --- the builder page ------------------------------------------------------------------------------

KEYS_IN_SURVEY = ["netzwerk.wirkungskreis", "netzwerk.lebensphasen", "netzwerk.mitglieder_anzahl", "netzwerk.fokus"]


def _draft(app, planner) -> tuple[int, dict[str, int]]:
    with app.app_context():
        survey = make_survey(planner[0], keys=KEYS_IN_SURVEY, open_it=False, title="Netzwerk 2026")
        return survey.id, {item.key: item.id for item in survey.items}


def _page(client, survey_id, item_id, **data):
    return client.post(f"/surveys/{survey_id}/items/{item_id}/bedingung", data=data)


def test_builder_saves_a_condition_of_two_clauses_and_shows_it_everywhere(app, planner, planner_client):
    survey_id, items = _draft(app, planner)
    url = f"/surveys/{survey_id}/items/{items['netzwerk.fokus']}/bedingung"
    page = planner_client.get(url).get_data(as_text=True)
    assert "Bedingung: nur zeigen, wenn" in page
    assert 'value="netzwerk.mitglieder_anzahl"' in page and 'value="netzwerk.fokus"' not in page  # earlier only
    # choosing the question and "Übernehmen" shows its answers, nothing stored
    chosen = _page(planner_client, survey_id, items["netzwerk.fokus"], combinator="oder",
                   **{"q-0": "netzwerk.wirkungskreis", "op-0": "", "q-1": "netzwerk.mitglieder_anzahl",
                      "action": "refresh"}).get_data(as_text=True)
    assert 'name="v-0" value="stadtteil"' in chosen and 'name="num-1"' in chosen
    assert "Zahl ≥" in chosen.split('id="op-1"')[1].split("</select>")[0]
    assert "enthält" not in chosen.split('id="op-0"')[1].split("</select>")[0]  # one answer: "ist", not "enthält"
    done = planner_client.post(url, data={"combinator": "oder", "q-0": "netzwerk.wirkungskreis", "op-0": "eine_von",
                                          "v-0": ["stadtteil", "quartier"], "q-1": "netzwerk.mitglieder_anzahl",
                                          "op-1": "ge", "num-1": "10", "action": "save"})
    assert done.status_code == 302
    expected = ("Nur wenn „Auf welchen Wirkungskreis bezieht sich das Netzwerk?“ mit „Quartier“ oder „Stadtteil / "
                "Sozialraum“ beantwortet ist oder die Antwort auf „Wie viele Einrichtungen bzw. Institutionen sind "
                "derzeit Mitglied im Netzwerk?“ mindestens 10 ist")
    with app.app_context():
        item = db.session.get(SurveyItem, items["netzwerk.fokus"])
        assert item.definition["condition"] == {"combinator": "oder", "clauses": [
            {"question": "netzwerk.wirkungskreis", "operator": "eine_von", "values": ["quartier", "stadtteil"]},
            {"question": "netzwerk.mitglieder_anzahl", "operator": "ge", "number": 10}]}
        entry = db.session.scalars(db.select(AuditEntry).filter_by(action="survey.condition")).one()
        assert "Bedingung von „" in entry.description and entry.before == {"Bedingung": "keine"}
    builder = planner_client.get(f"/surveys/{survey_id}").get_data(as_text=True)
    assert re.search(r'<p class="condition">([^<]*)</p>', builder).group(1) == expected
    assert "Die Bedingung ist gespeichert" in builder
    preview = planner_client.get(f"/surveys/{survey_id}/vorschau").get_data(as_text=True)
    assert expected + ":" in preview
    codebook = planner_client.get(f"/results/{survey_id}/codebuch.csv")
    rows = list(csv.DictReader(io.StringIO(codebook.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    row = next(r for r in rows if r["key"] == "netzwerk.fokus" and r["role"] == "frage")
    assert row["condition"] == ("netzwerk.wirkungskreis ist eine von quartier|stadtteil oder "
                                "netzwerk.mitglieder_anzahl Zahl ≥ 10")


def test_builder_refuses_what_cannot_work_in_german_and_keeps_the_input(app, planner, planner_client):
    survey_id, items = _draft(app, planner)
    number_item = items["netzwerk.mitglieder_anzahl"]
    later = _page(planner_client, survey_id, number_item, combinator="und",
                  **{"q-0": "netzwerk.fokus", "op-0": "beantwortet", "action": "save"})
    assert later.status_code == 422
    assert "kommt nicht vor dieser Frage" in later.get_data(as_text=True)
    fokus = items["netzwerk.fokus"]
    no_number = _page(planner_client, survey_id, fokus, combinator="und",
                      **{"q-0": "netzwerk.mitglieder_anzahl", "op-0": "ge", "num-0": "zehn", "action": "save"})
    page = no_number.get_data(as_text=True)
    assert no_number.status_code == 422 and "Bitte geben Sie eine Zahl ein" in page and 'value="zehn"' in page
    unknown = _page(planner_client, survey_id, fokus, combinator="und",
                    **{"q-0": "netzwerk.wirkungskreis", "op-0": "ist", "v-0": "mond", "action": "save"})
    assert "Diese Antwort gibt es bei" in unknown.get_data(as_text=True)
    wrong = _page(planner_client, survey_id, fokus, combinator="und",
                  **{"q-0": "netzwerk.lebensphasen", "op-0": "ge", "num-0": "3", "action": "save"})
    assert "passt nicht zu" in wrong.get_data(as_text=True) and "„enthält“" in wrong.get_data(as_text=True)
    two = _page(planner_client, survey_id, fokus, combinator="und",
                **{"q-0": "netzwerk.wirkungskreis", "op-0": "ist", "v-0": ["quartier", "kreis"], "action": "save"})
    text = two.get_data(as_text=True)
    assert "genau eine Antwort" in text and 'value="kreis" checked' in text
    empty = _page(planner_client, survey_id, fokus, combinator="und", **{"q-0": "", "action": "save"})
    assert "mindestens eine frühere Frage" in empty.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(SurveyItem, fokus).definition.get("condition") is None


def test_a_condition_that_would_go_round_in_a_circle_is_refused(app, planner, planner_client):
    survey_id, items = _draft(app, planner)
    fokus, anzahl = items["netzwerk.fokus"], items["netzwerk.mitglieder_anzahl"]
    assert _page(planner_client, survey_id, fokus, combinator="und",
                 **{"q-0": "netzwerk.mitglieder_anzahl", "op-0": "beantwortet", "action": "save"}).status_code == 302
    planner_client.post(f"/surveys/{survey_id}/items/{fokus}/move", data={"direction": "up"})
    circle = _page(planner_client, survey_id, anzahl, combinator="und",
                   **{"q-0": "netzwerk.fokus", "op-0": "beantwortet", "action": "save"})
    assert circle.status_code == 422 and "gegenseitig ausblenden" in circle.get_data(as_text=True)
    # the question it depends on cannot be removed while a clause names it
    gone = planner_client.post(f"/surveys/{survey_id}/items/{anzahl}/delete", follow_redirects=True)
    assert "Diese Frage wird noch gebraucht" in gone.get_data(as_text=True)


def test_a_stale_save_comes_back_and_a_second_save_goes_through(app, planner, planner_client):
    survey_id, items = _draft(app, planner)
    fokus = items["netzwerk.fokus"]
    with app.app_context():
        version = f"survey_item:{fokus}:{db.session.get(SurveyItem, fokus).edit_version}"
    first = {"combinator": "und", "q-0": "netzwerk.wirkungskreis", "op-0": "ist", "v-0": "kreis", "action": "save"}
    assert _page(planner_client, survey_id, fokus, _version=version, **first).status_code == 302
    mine = {**first, "v-0": "quartier"}
    stale = _page(planner_client, survey_id, fokus, _version=version, **mine)
    page = stale.get_data(as_text=True)
    assert stale.status_code == 409 and "in einem anderen Fenster geändert" in page and "„Kreis" in page
    fresh = re.search(r'name="_version" value="([^"]+)"', page).group(1)
    assert _page(planner_client, survey_id, fokus, _version=fresh, **mine).status_code == 302
    cleared = _page(planner_client, survey_id, fokus, action="clear")
    assert cleared.status_code == 302
    with app.app_context():
        assert db.session.get(SurveyItem, fokus).definition.get("condition") is None


def test_copies_and_follow_up_waves_carry_the_condition(app, planner, planner_client):
    survey_id, items = _draft(app, planner)
    _page(planner_client, survey_id, items["netzwerk.fokus"], combinator="und",
          **{"q-0": "netzwerk.lebensphasen", "op-0": "enthaelt", "v-0": "kita", "action": "save"})
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        surveys.open_survey(survey)
        follow = wave_service.create_follow_up(survey, None, app.extensions["catalogue"], "Netzwerk 2027")
        copy = surveys.copy_survey(survey, None)
        db.session.commit()
        for other in (follow.survey, copy):
            item = next(i for i in other.items if i.key == "netzwerk.fokus")
            question = item.to_question()
            assert question.condition == Condition((Clause("netzwerk.lebensphasen", CONTAINS, ("kita",)),))
            assert condition_refs(question) == [("netzwerk.lebensphasen", ("kita",))]


def test_a_condition_naming_an_answer_no_longer_offered_is_flagged_before_opening(app, planner, planner_client):
    survey_id, items = _draft(app, planner)
    _page(planner_client, survey_id, items["netzwerk.fokus"], combinator="und",
          **{"q-0": "netzwerk.wirkungskreis", "op-0": "ist", "v-0": "kreis", "action": "save"})
    with app.app_context():  # the answer goes, as when a newer version or an adaptation drops it
        scope = db.session.get(SurveyItem, items["netzwerk.wirkungskreis"])
        scope.definition = {**scope.definition,
                            "options": [o for o in scope.definition["options"] if o["code"] != "kreis"]}
        db.session.commit()
    builder = planner_client.get(f"/surveys/{survey_id}").get_data(as_text=True)
    assert "nennt bei „Auf welchen Wirkungskreis bezieht sich das Netzwerk?“ „kreis“" in builder
    assert "Bevor Sie die Befragung öffnen" in builder
    with app.app_context():
        assert surveys.condition_problems(db.session.get(Survey, survey_id))


def test_the_follow_up_page_says_which_condition_a_newer_version_breaks(app, planner, planner_client):
    survey_id, items = _draft(app, planner)
    with app.app_context():  # this survey's copy is an older version that still had "Mond"
        scope = db.session.get(SurveyItem, items["netzwerk.wirkungskreis"])
        scope.definition = {**scope.definition, "options": [*scope.definition["options"],
                                                            {"code": "mond", "label": "Mond"}]}
        scope.catalogue_version = 0
        db.session.commit()
    _page(planner_client, survey_id, items["netzwerk.fokus"], combinator="und",
          **{"q-0": "netzwerk.wirkungskreis", "op-0": "eine_von", "v-0": ["mond", "kreis"], "action": "save"})
    with app.app_context():
        surveys.open_survey(db.session.get(Survey, survey_id))
        db.session.commit()
    page = planner_client.get(f"/waves/{survey_id}/folgebefragung").get_data(as_text=True)
    assert ("Bedingung von „Gibt es einen Fokus des Netzwerks? Bitte beschreiben Sie ihn kurz.“ nennt „Mond“, das die "
            "neue Fassung nicht mehr hat") in page


def test_a_follow_up_taking_the_newer_catalogue_version_keeps_the_builder_condition(app, planner, planner_client):
    survey_id, items = _draft(app, planner)
    _page(planner_client, survey_id, items["netzwerk.fokus"], combinator="und",
          **{"q-0": "netzwerk.mitglieder_anzahl", "op-0": "le", "num-0": "7,5", "action": "save"})
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        db.session.get(SurveyItem, items["netzwerk.fokus"]).catalogue_version = 0  # an older copy
        surveys.open_survey(survey)
        follow = wave_service.create_follow_up(survey, None, app.extensions["catalogue"], "Netzwerk 2027",
                                               update_keys={"netzwerk.fokus"})
        db.session.commit()
        assert follow.updated == ["Gibt es einen Fokus des Netzwerks? Bitte beschreiben Sie ihn kurz."]
        item = next(i for i in follow.survey.items if i.key == "netzwerk.fokus")
        assert item.to_question().condition == Condition((Clause("netzwerk.mitglieder_anzahl", AT_MOST, (), 7.5),))


def test_an_answer_a_condition_names_cannot_be_hidden_and_a_hidden_one_cannot_be_chosen(app, planner, planner_client):
    from survey.services import option_adaptation

    survey_id, items = _draft(app, planner)
    _page(planner_client, survey_id, items["netzwerk.fokus"], combinator="und",
          **{"q-0": "netzwerk.mitglieder_anzahl", "op-0": "beantwortet", "q-1": "netzwerk.wirkungskreis",
             "op-1": "ist", "v-1": "kreis", "action": "save"})
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        scope = db.session.get(SurveyItem, items["netzwerk.wirkungskreis"])
        try:
            option_adaptation.adapt(survey, scope, option_adaptation.Proposal(hidden={"kreis"}))
        except option_adaptation.AdaptationRefused as refused:
            assert "muss deshalb angeboten bleiben" in str(refused.problems)
        else:
            raise AssertionError("hiding an answer a condition names was accepted")
        db.session.rollback()
        option_adaptation.adapt(db.session.get(Survey, survey_id), db.session.get(SurveyItem, scope.id),
                                option_adaptation.Proposal(hidden={"ueberregional"}))
        db.session.commit()
    page = planner_client.get(f"/surveys/{survey_id}/items/{items['netzwerk.fokus']}/bedingung").get_data(as_text=True)
    assert 'value="kreis"' in page and 'value="ueberregional"' not in page  # hidden: not offered to choose
    refused = _page(planner_client, survey_id, items["netzwerk.fokus"], combinator="und",
                    **{"q-0": "netzwerk.wirkungskreis", "op-0": "ist", "v-0": "ueberregional", "action": "save"})
    assert refused.status_code == 422 and "ausgeblendet" in refused.get_data(as_text=True)
