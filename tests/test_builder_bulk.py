"""Builder ergonomics over HTTP: several catalogue questions at once, search by any word, the
message after an action at the changed item, own-question fields per kind, page names."""

from __future__ import annotations

import re

import sqlalchemy as sa

from survey.extensions import db
from survey.models import AuditEntry
from survey.services.surveys import page_label
from test_builder import _new_survey, _survey, _text


def test_ticked_questions_are_added_at_once_in_catalogue_order_and_logged(app, planner_client):
    survey_id = _new_survey(planner_client)
    page = _text(planner_client.get(f"/surveys/{survey_id}/katalog?modul=netzwerk"))
    assert 'form="auswahl"' in page and 'id="auswahl-knopf"' in page
    picked = ["netzwerk.themen", "netzwerk.lebensphasen", "netzwerk.ziele_wo", "nicht.im_katalog"]
    done = planner_client.post(f"/surveys/{survey_id}/items/mehrere",
                               data={"keys": picked, "modul": "netzwerk", "seite": ""})
    assert done.status_code == 302
    assert done.headers["Location"].endswith("#q-netzwerk.lebensphasen")  # the first added, in catalogue order
    message = _text(planner_client.get(done.headers["Location"]))
    assert "4 Fragen hinzugefügt: „Auf welche Lebensphasen" in message
    assert "diese Frage ist deshalb davor mit aufgenommen" in message  # the condition's target came too
    assert 'role="status" tabindex="-1" data-after-action' in message
    [(_title, keys)] = _survey(app, survey_id)
    assert keys == ["netzwerk.lebensphasen", "netzwerk.themen", "netzwerk.ziele_festgeschrieben", "netzwerk.ziele_wo"]
    with app.app_context():
        logged = db.session.scalars(sa.select(AuditEntry.description).where(AuditEntry.survey_id == survey_id)).all()
    assert sum("hinzugefügt" in text for text in logged) >= 4
    again = planner_client.post(f"/surveys/{survey_id}/items/mehrere", data={"keys": ["netzwerk.themen"]},
                                follow_redirects=True)
    assert "1 war schon in der Befragung." in _text(again)


def test_nothing_ticked_says_so_and_changes_nothing(app, planner_client):
    survey_id = _new_survey(planner_client)
    done = planner_client.post(f"/surveys/{survey_id}/items/mehrere", data={"modul": "akteur", "suche": "Kita"},
                               follow_redirects=True)
    assert "Bitte kreuzen Sie zuerst die Fragen an" in _text(done)
    assert "Suchergebnisse für „Kita“" in _text(done)  # back where the planner was
    assert _survey(app, survey_id) == [("Seite 1", [])]


def test_search_takes_any_word_and_lists_questions_with_all_words_first(app, planner_client):
    catalogue = app.extensions["catalogue"]
    scored = catalogue.search_scored("Zufriedenheit Netzwerk xyzzy")
    assert scored and all(n >= 1 for _q, n in scored)
    assert [n for _q, n in scored] == sorted((n for _q, n in scored), reverse=True)
    both = [q.key for q, n in scored if n == 2]
    assert both and all("netzwerk" in " ".join([q.prompt, q.help, q.key, q.section]).casefold()
                        for q in (catalogue.get(k) for k in both))
    assert catalogue.search("xyzzy") == []
    assert catalogue.search("Wie heißt die Kita?") == catalogue.search("heißt Kita")  # filler words left out
    assert catalogue.search_terms("die Kita") == ["kita"] and catalogue.search_terms("die") == ["die"]
    survey_id = _new_survey(planner_client)
    page = _text(planner_client.get(f"/surveys/{survey_id}/katalog?suche=Sprachen+Zufriedenheit"))
    assert "Zuerst die Fragen mit allen Wörtern, dann die mit einigen." in page
    assert "passt zu 1 von 2 Wörtern" in page
    assert "In welchen Sprachen" in page and "zufrieden" in page


def test_own_question_groups_its_fields_by_the_kinds_that_use_them(app, planner_client):
    from questionnaires.kinds import KINDS, NUMBER
    from survey.services.surveys import own_kinds

    survey_id = _new_survey(planner_client)
    page = _text(planner_client.get(f"/surveys/{survey_id}/eigene-frage"))
    found = re.findall(r'data-group="(\w+)" data-kinds="([^"]*)"', page)
    groups = {group: set(kinds.split()) for group, kinds in found}
    options, bounds = groups["options"], groups["bounds"]
    assert options == {k for k in own_kinds() if KINDS[k].needs_options and not KINDS[k].own_scale}
    assert bounds == {k for k in own_kinds() if KINDS[k].family == NUMBER}
    assert options and bounds and not options & bounds
    assert '<script src="/static/builder.js"' in page


def test_pages_are_named_without_repeating_their_number():
    assert page_label(1, "Seite 1") == "Seite 1"
    assert page_label(2, "") == "Seite 2"
    assert page_label(2, "Schwerpunkt") == "Seite 2: Schwerpunkt"
    assert page_label(3, "Seite 1") == "Seite 3: Seite 1"  # moved pages keep a title that now says something


def test_builder_and_catalogue_show_the_page_name_once(app, planner_client):
    survey_id = _new_survey(planner_client)
    for url in (f"/surveys/{survey_id}", f"/surveys/{survey_id}/katalog", f"/surveys/{survey_id}/eigene-frage"):
        assert "Seite 1: Seite 1" not in _text(planner_client.get(url)), url
