"""Adapting a catalogue question's options for one survey: add ("Stadtbezirk"), hide, reword — and what
respondents, exports, the codebook, follow-up waves and the wave comparison make of it."""

from __future__ import annotations

import csv
import io
import re

import pytest
from flask import current_app

from factories import make_survey
from questionnaires.model import LOCAL_PREFIX
from survey.extensions import db
from survey.models import AuditEntry, Survey, SurveyItem, User
from survey.services import invitations, responses, surveys, waves
from survey.services import option_adaptation as adaptation

KEY = "netzwerk.wirkungskreis"  # single choice: quartier, stadtteil, gesamtstadt, kreis, ueberregional
MULTI = "netzwerk.lebensphasen"  # multiple choice


def _url(survey_id: int, item_id: int) -> str:
    return f"/surveys/{survey_id}/items/{item_id}/antworten"


def _draft(app, planner, keys=(KEY, MULTI)) -> tuple[int, dict[str, int]]:
    with app.app_context():
        survey = make_survey(planner[0], list(keys), open_it=False)
        return survey.id, {item.key: item.id for item in survey.items}


def _adapt(survey_id: int, item_id: int, **proposal) -> list[str]:
    survey = db.session.get(Survey, survey_id)
    added = adaptation.adapt(survey, db.session.get(SurveyItem, item_id), adaptation.Proposal(**proposal))
    db.session.commit()
    return added


def _form(question, **changes) -> dict:
    data = {f"label-{o.code}": o.label for o in question.options}
    data.update(changes)
    return data


def test_planner_adds_hides_and_rewords_options_and_respondents_see_the_result(app, planner, planner_client):
    survey_id, ids = _draft(app, planner)
    builder = planner_client.get(f"/surveys/{survey_id}").get_data(as_text=True)
    assert f'href="{_url(survey_id, ids[KEY])}"' in builder
    page = planner_client.get(_url(survey_id, ids[KEY])).get_data(as_text=True)
    assert 'name="label-kreis"' in page and 'value="kreis"' in page and "Neue Antworten" in page
    with app.app_context():
        question = db.session.get(SurveyItem, ids[KEY]).to_question()
    done = planner_client.post(_url(survey_id, ids[KEY]), data={
        **_form(question, **{"label-stadtteil": "Stadtteil"}), "hide": ["kreis"], "new": "Stadtbezirk\n\n",
        "after": "stadtteil"},
        follow_redirects=True)
    text = done.get_data(as_text=True)
    assert "Die Antworten sind für diese Befragung gespeichert. 1 neue Antwort ergänzt." in text
    assert "Antworten angepasst" in text and "Ergänzt: „Stadtbezirk“." in text and "Ausgeblendet: „Kreis“." in text
    with app.app_context():
        item = db.session.get(SurveyItem, ids[KEY])
        question = item.to_question()
        assert item.key == KEY and question.option_codes == (
            "quartier", "stadtteil", "lokal_stadtbezirk", "gesamtstadt", "kreis", "ueberregional")
        assert question.added == ("lokal_stadtbezirk",) and question.hidden == ("kreis",)
        assert question.option_label("stadtteil") == "Stadtteil" and question.option_label("kreis") == "Kreis"
        assert [o.label for o in adaptation.offered_options(question)] == [
            "Quartier", "Stadtteil", "Stadtbezirk", "Gesamtstadt / Gemeinde", "Überregional"]
        entry = db.session.query(AuditEntry).filter_by(action="survey.options").one()
        assert entry.after["Ergänzt"] == "„Stadtbezirk“" and entry.after["Ausgeblendet"] == "„Kreis“"
        assert entry.before["Antwort stadtteil"] == "Stadtteil / Sozialraum"
    preview = planner_client.get(f"/surveys/{survey_id}/vorschau").get_data(as_text=True)
    assert 'value="lokal_stadtbezirk"' in preview and 'value="kreis"' not in preview
    # Resetting the wording to the catalogue keeps the added option and the hidden one.
    planner_client.post(f"/surveys/{survey_id}/items/{ids[KEY]}/reset")
    with app.app_context():
        question = db.session.get(SurveyItem, ids[KEY]).to_question()
        assert question.option_label("stadtteil") == "Stadtteil / Sozialraum"
        assert question.option_label("lokal_stadtbezirk") == "Stadtbezirk" and question.hidden == ("kreis",)


def test_refused_input_comes_back_as_typed_with_german_messages(app, planner, planner_client):
    survey_id, ids = _draft(app, planner)
    with app.app_context():
        question = db.session.get(SurveyItem, ids[KEY]).to_question()
    refused = planner_client.post(_url(survey_id, ids[KEY]), data={
        **_form(question, **{"label-gesamtstadt": "  ", "label-stadtteil": "Mein Stadtteil"}),
        "hide": ["kreis"], "new": "Bezirk\nquartier"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Nicht gespeichert." in text
    assert "Bitte geben Sie der Antwort „Gesamtstadt / Gemeinde“ einen Text." in text
    assert "Die Antwort „quartier“ gibt es schon." in text
    assert ">Bezirk\nquartier</textarea>" in text and 'value="Mein Stadtteil"' in text
    assert re.search(r'id="hide-kreis" name="hide" value="kreis"\s+checked', text)
    hidden_again = planner_client.post(_url(survey_id, ids[KEY]), data={**_form(question), "hide": ["kreis"],
                                                                        "new": "Kreis"})
    assert "Sie ist ausgeblendet" in hidden_again.get_data(as_text=True)
    too_few = planner_client.post(_url(survey_id, ids[KEY]), data={
        **_form(question), "hide": ["quartier", "stadtteil", "gesamtstadt", "kreis"]})
    assert "Mindestens zwei Antworten müssen angeboten bleiben." in too_few.get_data(as_text=True)
    with app.app_context():
        item = db.session.get(SurveyItem, ids[KEY])
        assert not item.definition.get("hidden") and not item.definition.get("added") and not item.modified
        assert db.session.query(AuditEntry).filter_by(action="survey.options").count() == 0


def test_only_adaptable_kinds_of_a_draft_offer_the_page(app, planner, planner_client):
    survey_id, ids = _draft(app, planner, keys=(KEY, "kooperation.zufriedenheit", "netzwerk.stadtteile"))
    with app.app_context():
        kinds = {item.key: item.kind for item in db.session.get(Survey, survey_id).items}
        for key in ids:
            assert adaptation.adaptable(db.session.get(SurveyItem, ids[key])) == (key == KEY), kinds[key]
    scale = planner_client.get(_url(survey_id, ids["kooperation.zufriedenheit"]), follow_redirects=True)
    assert "Skalen bleiben, wie sie sind" in scale.get_data(as_text=True)
    with app.app_context():
        surveys.open_survey(db.session.get(Survey, survey_id))
        db.session.commit()
    frozen = planner_client.get(_url(survey_id, ids[KEY]), follow_redirects=True).get_data(as_text=True)
    assert "Die Befragung ist bereits geöffnet" in frozen
    posted = planner_client.post(_url(survey_id, ids[KEY]), data={"new": "Stadtbezirk"}, follow_redirects=True)
    assert "Die Befragung ist bereits geöffnet" in posted.get_data(as_text=True)


def test_added_codes_never_collide_with_each_other_or_the_catalogue(app, planner):
    survey_id, ids = _draft(app, planner)
    with app.app_context():
        catalogue = current_app.extensions["catalogue"]
        codes = {o.code for m in catalogue.modules for q in m.questions for o in q.options}
        assert not any(code.startswith(LOCAL_PREFIX) for code in codes)  # the loader refuses the prefix
        first = _adapt(survey_id, ids[MULTI], new="Stadtbezirk\nStadt-Bezirk")
        second = _adapt(survey_id, ids[MULTI], new="Stadtbezirk!\nQuartier (neu)")
        question = db.session.get(SurveyItem, ids[MULTI]).to_question()
        assert first + second == ["lokal_stadtbezirk", "lokal_stadt_bezirk", "lokal_stadtbezirk_2",
                                  "lokal_quartier_neu"]
        assert len(set(question.option_codes)) == len(question.option_codes)
        assert set(question.added) == set(first + second)
        # Removing an option the survey added itself; catalogue options can only be hidden.
        _adapt(survey_id, ids[MULTI], removed={"lokal_stadt_bezirk"})
        question = db.session.get(SurveyItem, ids[MULTI]).to_question()
        assert "lokal_stadt_bezirk" not in question.option_codes and "lokal_stadt_bezirk" not in question.added
        with pytest.raises(adaptation.AdaptationRefused, match="Nur Antworten, die diese Befragung selbst"):
            _adapt(survey_id, ids[MULTI], removed={question.option_codes[0]})


def _answer(survey: Survey, address: str, raw: dict[str, list[str]]) -> dict[str, str]:
    invitation, _token = invitations.invite(survey, address, organisation=address.split("@")[0])
    response = responses.start(invitation)
    response.draft = raw
    return responses.submit(response)


def _csv(client, url: str) -> list[dict[str, str]]:
    text = client.get(url).get_data(as_text=True).lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def test_follow_up_wave_carries_the_adaptation_old_answers_keep_their_label(app, planner, planner_client):
    with app.app_context():
        first = make_survey(planner[0], [KEY, MULTI], title="Netzwerke 2025")
        for n, code in enumerate(["kreis", "kreis", "quartier"]):
            assert _answer(first, f"org{n}@traeger.example", {KEY: [code], MULTI: ["schwangerschaft_geburt"]}) == {}
        db.session.commit()
        user = db.session.get(User, planner[0])
        second = waves.create_follow_up(first, user, current_app.extensions["catalogue"], "Netzwerke 2026").survey
        db.session.commit()
        ids = {item.key: item.id for item in second.items}
        _adapt(second.id, ids[KEY], hidden={"kreis"}, new="Stadtbezirk", after="stadtteil")
        _adapt(second.id, ids[MULTI], new="Stadtbezirk")
        third_copy = surveys.copy_survey(db.session.get(Survey, second.id), user)
        db.session.commit()
        copied = {item.key: item.to_question() for item in third_copy.items}
        assert copied[KEY].hidden == ("kreis",) and copied[KEY].added == ("lokal_stadtbezirk",)
        second = db.session.get(Survey, second.id)
        surveys.open_survey(second)
        db.session.commit()
        # A hidden option is not offered: posting it is refused with the respondent's message.
        invitation, _token = invitations.invite(second, "neu@traeger.example", organisation="Neu")
        response = responses.start(invitation)
        response.draft = {KEY: ["kreis"]}
        assert responses.submit(response) == {KEY: "Bitte eine der angebotenen Antworten wählen."}
        db.session.rollback()
        second = db.session.get(Survey, second.id)
        for n, code in enumerate(["lokal_stadtbezirk", "quartier"]):
            assert _answer(second, f"w2-{n}@traeger.example", {KEY: [code], MULTI: ["lokal_stadtbezirk"]}) == {}
        db.session.commit()
        first_id, second_id = first.id, second.id
    # The first wave's export and codebook still read "Kreis"; the second's codebook marks the adaptation.
    old_rows = _csv(planner_client, f"/results/{first_id}/antworten.csv?variante=lesbar")
    assert sorted(r[next(k for k in r if k.startswith("Auf welchen Wirkungskreis"))] for r in old_rows) == [
        "Kreis", "Kreis", "Quartier"]
    raw = _csv(planner_client, f"/results/{second_id}/antworten.csv")
    assert {r[f"{MULTI}/lokal_stadtbezirk"] for r in raw} == {"1"} and f"{MULTI}/kreis" not in raw[0]
    assert {r[KEY] for r in raw} == {"lokal_stadtbezirk", "quartier"}
    codebook = _csv(planner_client, f"/results/{second_id}/codebuch.csv")
    origin = {(r["key"], r["code"]): r["Herkunft der Antwort"] for r in codebook if r["role"] == "option"}
    assert origin[(KEY, "kreis")] == "Katalog; ausgeblendet"
    assert origin[(KEY, "lokal_stadtbezirk")] == "in dieser Befragung ergänzt"
    assert origin[(KEY, "quartier")] == "Katalog"
    assert origin[(MULTI, "lokal_stadtbezirk")] == "in dieser Befragung ergänzt"
    page = planner_client.get(f"/waves/{second_id}/vergleich").get_data(as_text=True)
    assert ("Antworten in 2026: ergänzt „Stadtbezirk“ (nicht im Katalog); ausgeblendet „Kreis“ (nicht mehr "
            "angeboten, daher ohne Wert).") in page
    table = page[page.find('id="chart-frage-netzwerk.wirkungskreis"'):]
    rows = [table.find(f'<th scope="row">{label}</th>') for label in (
        "Quartier", "Stadtteil / Sozialraum", "Stadtbezirk", "Gesamtstadt / Gemeinde", "Kreis", "Überregional")]
    assert -1 not in rows and rows == sorted(rows)  # the newest wave's order, "Kreis" where it stood
    series = _csv(planner_client, f"/waves/{second_id}/reihe.csv")
    assert sorted((r["wave"], r[KEY]) for r in series) == [
        ("2025", "kreis"), ("2025", "kreis"), ("2025", "quartier"), ("2026", "lokal_stadtbezirk"), ("2026", "quartier")]
    assert {f"{MULTI}/lokal_stadtbezirk", f"{MULTI}/kita"} <= set(series[0])
    results = planner_client.get(f"/results/{second_id}").get_data(as_text=True)
    assert "Stadtbezirk" in results


def test_the_codebook_reads_back_which_options_were_added_and_hidden():
    from analysis.dataset import Dataset
    from analysis.export import codebook_rows
    from analysis.reader import read_codebook
    from questionnaires.model import Option, Question

    adapted = Question(KEY, "single_choice", "Wirkungskreis?", options=(
        Option("quartier", "Quartier"), Option("lokal_stadtbezirk", "Stadtbezirk"), Option("kreis", "Kreis")),
        added=("lokal_stadtbezirk",), hidden=("kreis",))
    plain = Question(MULTI, "multiple_choice", "Lebensphasen?", options=(Option("kita", "Kita"),))
    header, *rows = list(codebook_rows(Dataset(questions=(adapted, plain))))
    cells = [["" if c is None else str(c) for c in row] for row in rows]
    questions, _meta = read_codebook([dict(zip(header, row, strict=True)) for row in cells])
    assert [(q.added, q.hidden, q.offered_codes) for q in questions] == [
        (("lokal_stadtbezirk",), ("kreis",), ("quartier", "lokal_stadtbezirk")), ((), (), ("kita",))]


def test_an_option_a_condition_asks_for_stays_offered(app, planner):
    survey_id, ids = _draft(app, planner, keys=("netzwerk.ziele_festgeschrieben", "netzwerk.ziele_wo"))
    with app.app_context(), pytest.raises(adaptation.AdaptationRefused) as refused:
        _adapt(survey_id, ids["netzwerk.ziele_festgeschrieben"], hidden={"ja"})
    assert refused.value.problems[""] == ("Die Frage „Wo sind sie festgehalten?“ wird nur gezeigt, wenn hier „Ja“ "
                                          "gewählt wurde; diese Antwort muss deshalb angeboten bleiben.")


def test_hidden_options_are_neither_accepted_nor_prefilled_nor_printed(app, planner, planner_client):
    from questionnaires.kinds import KINDS

    survey_id, ids = _draft(app, planner)
    with app.app_context():
        _adapt(survey_id, ids[KEY], hidden={"kreis"})
        _adapt(survey_id, ids[MULTI], hidden={"kita"})
        single = db.session.get(SurveyItem, ids[KEY]).to_question()
        multi = db.session.get(SurveyItem, ids[MULTI]).to_question()
    assert KINDS[single.kind].to_raw(single, "kreis", KEY, {}).clean is False  # an old answer: left empty
    assert KINDS[single.kind].to_raw(single, "quartier", KEY, {}).raw == {KEY: ["quartier"]}
    parsed = KINDS[multi.kind].parse(multi, {MULTI: ["kita", "grundschule"]}, MULTI)
    assert parsed.errors == {MULTI: "Bitte nur angebotene Antworten wählen."}
    assert KINDS[single.kind].display(single, "kreis") == "Kreis"  # still read with its label
    paper = planner_client.get(f"/surveys/{survey_id}/druck").get_data(as_text=True)
    assert "Quartier" in paper and "Kreis" not in paper and "Rund um die Kita" not in paper


def test_a_newer_catalogue_version_keeps_the_adaptation():
    old = {"options": [{"code": "quartier", "label": "Quartier"}, {"code": "kreis", "label": "Kreis"},
                       {"code": "lokal_stadtbezirk", "label": "Stadtbezirk"}],
           "added": ["lokal_stadtbezirk"], "hidden": ["kreis", "quartier"]}
    newer = {"options": [{"code": "quartier", "label": "Quartier"}, {"code": "stadtbezirk", "label": "Stadtbezirk"}],
             "added": [], "hidden": [], "version": 2}
    carried = adaptation.carried(old, newer)
    assert [o["code"] for o in carried["options"]] == ["quartier", "stadtbezirk", "lokal_stadtbezirk"]
    assert carried["added"] == ["lokal_stadtbezirk"]
    # "kreis" is gone; the local "Stadtbezirk" is hidden beside the catalogue's own.
    assert carried["hidden"] == ["quartier", "lokal_stadtbezirk"]
    assert newer["added"] == [] and carried["version"] == 2
