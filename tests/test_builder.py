"""The questionnaire builder over HTTP: pick, arrange, reword, own questions, templates, copies, freezing."""

from __future__ import annotations

import dataclasses
import re

import pytest

from factories import PRIVACY, invite, make_survey, make_user
from questionnaires.model import Catalogue, Module
from survey.extensions import db
from survey.models import Response, Survey, SurveyItem


def _new_survey(client, title: str = "Netzwerke im Stadtteil", **extra) -> int:
    response = client.post("/surveys/new", data={"title": title, "privacy_notice": PRIVACY, **extra})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/surveys/(\d+)", response.headers["Location"]).group(1))


def _survey(app, survey_id: int) -> dict:
    """The survey's layout as plain data: [(page title, [item keys])]."""
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        return [(page.title, [item.key for item in page.items]) for page in survey.pages]


def _item_id(app, survey_id: int, key: str) -> int:
    with app.app_context():
        return db.session.query(SurveyItem).filter_by(survey_id=survey_id, key=key).one().id


def _page_ids(app, survey_id: int) -> list[int]:
    with app.app_context():
        return [page.id for page in db.session.get(Survey, survey_id).pages]


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_whole_section_is_added_at_once_and_shown_with_kinds_and_options(app, planner_client):
    survey_id = _new_survey(planner_client)
    catalogue = planner_client.get(f"/surveys/{survey_id}/katalog?modul=netzwerk")
    page = _text(catalogue)
    assert "Themen und Ziele" in page and "Mehrfachauswahl" in page and "Kita" in page
    assert "Ganzen Abschnitt hinzufügen (7 Fragen)" in page
    done = planner_client.post(f"/surveys/{survey_id}/items/section",
                               data={"modul": "netzwerk", "section": "Themen und Ziele"}, follow_redirects=True)
    assert "7 Fragen hinzugefügt" in _text(done)
    [(_title, keys)] = _survey(app, survey_id)
    assert keys == ["netzwerk.lebensphasen", "netzwerk.uebergaenge", "netzwerk.fokus", "netzwerk.themen",
                    "netzwerk.ziele_festgeschrieben", "netzwerk.ziele_wo", "netzwerk.ziele"]
    assert "alle ausgewählt" in _text(planner_client.get(f"/surveys/{survey_id}/katalog?modul=netzwerk"))


def test_search_finds_questions_and_preview_renders_them_as_respondents_see_them(app, planner_client):
    survey_id = _new_survey(planner_client)
    page = _text(planner_client.get(f"/surveys/{survey_id}/katalog?suche=Ziele+festgeschrieben"))
    assert "Suchergebnisse" in page and "Sind die Ziele des Netzwerks" in page
    assert "Wirkungskreis" not in page.split("Suchergebnisse", 1)[1]
    # The preview is the respondent's radio group, not a list of labels.
    assert 'type="radio" name="netzwerk.ziele_festgeschrieben"' in page
    # District questions show the Kommune's districts.
    assert "Nordstadt" in _text(planner_client.get(f"/surveys/{survey_id}/katalog?modul=netzwerk"))


def test_question_with_a_condition_brings_the_question_it_depends_on(app, planner_client):
    survey_id = _new_survey(planner_client)
    done = planner_client.post(f"/surveys/{survey_id}/items", data={"key": "netzwerk.ziele_wo"}, follow_redirects=True)
    assert "davor mit aufgenommen" in _text(done)
    [(_title, keys)] = _survey(app, survey_id)
    assert keys == ["netzwerk.ziele_festgeschrieben", "netzwerk.ziele_wo"]
    assert "Nur wenn „Sind die Ziele des Netzwerks" in _text(done)
    # The question it depends on cannot be removed while the dependant is there.
    target = _item_id(app, survey_id, "netzwerk.ziele_festgeschrieben")
    refused = planner_client.post(f"/surveys/{survey_id}/items/{target}/delete", follow_redirects=True)
    assert "Diese Frage wird noch gebraucht" in _text(refused)
    assert len(_survey(app, survey_id)[0][1]) == 2
    # Moving the dependant above it blocks opening with a clear message.
    dependant = _item_id(app, survey_id, "netzwerk.ziele_wo")
    planner_client.post(f"/surveys/{survey_id}/items/{dependant}/move", data={"direction": "up"})
    opened = planner_client.post(f"/surveys/{survey_id}/open", follow_redirects=True)
    assert "muss danach kommen" in _text(opened)
    with app.app_context():
        assert db.session.get(Survey, survey_id).is_draft


def test_reorder_pages_move_rename_and_delete_empty_page(app, planner_client):
    survey_id = _new_survey(planner_client)
    for key in ("netzwerk.name", "netzwerk.seit", "netzwerk.wirkungskreis"):
        planner_client.post(f"/surveys/{survey_id}/items", data={"key": key})
    seit = _item_id(app, survey_id, "netzwerk.seit")
    planner_client.post(f"/surveys/{survey_id}/items/{seit}/move", data={"direction": "up"})
    assert _survey(app, survey_id) == [("Seite 1", ["netzwerk.seit", "netzwerk.name", "netzwerk.wirkungskreis"])]
    planner_client.post(f"/surveys/{survey_id}/items/{seit}/move", data={"direction": "down"})
    planner_client.post(f"/surveys/{survey_id}/items/{seit}/move", data={"direction": "down"})
    assert _survey(app, survey_id)[0][1] == ["netzwerk.name", "netzwerk.wirkungskreis", "netzwerk.seit"]

    planner_client.post(f"/surveys/{survey_id}/pages", data={"title": "Wirkungskreis"})
    first, second = _page_ids(app, survey_id)
    wirkungskreis = _item_id(app, survey_id, "netzwerk.wirkungskreis")
    planner_client.post(f"/surveys/{survey_id}/items/{wirkungskreis}/page", data={"page_id": second})
    planner_client.post(f"/surveys/{survey_id}/pages/{first}/rename", data={"title": "Grunddaten"})
    assert _survey(app, survey_id) == [("Grunddaten", ["netzwerk.name", "netzwerk.seit"]),
                                       ("Wirkungskreis", ["netzwerk.wirkungskreis"])]
    # "Down" from the last question of a page moves it to the top of the next page.
    planner_client.post(f"/surveys/{survey_id}/items/{seit}/move", data={"direction": "down"})
    assert _survey(app, survey_id)[1][1] == ["netzwerk.seit", "netzwerk.wirkungskreis"]

    refused = planner_client.post(f"/surveys/{survey_id}/pages/{second}/delete", follow_redirects=True)
    assert "enthält noch Fragen" in _text(refused)
    blank = planner_client.post(f"/surveys/{survey_id}/pages/{first}/rename", data={"title": "  "},
                                follow_redirects=True)
    assert "Bitte geben Sie der Seite einen Titel" in _text(blank)
    planner_client.post(f"/surveys/{survey_id}/pages", data={"title": "Leer"})
    empty = _page_ids(app, survey_id)[-1]
    planner_client.post(f"/surveys/{survey_id}/pages/{empty}/delete")
    assert [title for title, _keys in _survey(app, survey_id)] == ["Grunddaten", "Wirkungskreis"]
    # The survey-wide order follows the pages (the respondent and the export see the same order).
    with app.app_context():
        assert [i.key for i in db.session.get(Survey, survey_id).items] == [
            "netzwerk.name", "netzwerk.seit", "netzwerk.wirkungskreis"]


def test_required_mark_reaches_the_respondent(app, planner, planner_client, client):
    survey_id = _new_survey(planner_client)
    planner_client.post(f"/surveys/{survey_id}/items", data={"key": "netzwerk.fokus"})
    item_id = _item_id(app, survey_id, "netzwerk.fokus")
    planner_client.post(f"/surveys/{survey_id}/items/{item_id}/required", data={"required": "1"})
    assert "Pflicht aufheben" in _text(planner_client.get(f"/surveys/{survey_id}"))
    planner_client.post(f"/surveys/{survey_id}/open")
    with app.app_context():
        token = invite(db.session.get(Survey, survey_id))
    client.post(f"/r/{token}/start")
    page = _text(client.get(f"/r/{token}/seite/1"))
    assert "(Pflichtfrage)" in page
    refused = _text(client.post(f"/r/{token}/pruefen", follow_redirects=True))
    assert "Bitte ergänzen" in refused


def test_rewording_keeps_the_key_marks_it_changed_and_can_be_undone(app, planner_client):
    survey_id = _new_survey(planner_client)
    planner_client.post(f"/surveys/{survey_id}/items", data={"key": "netzwerk.wirkungskreis"})
    item_id = _item_id(app, survey_id, "netzwerk.wirkungskreis")
    form = _text(planner_client.get(f"/surveys/{survey_id}/items/{item_id}/edit"))
    assert 'name="option-stadtteil"' in form
    planner_client.post(f"/surveys/{survey_id}/items/{item_id}/edit", data={
        "prompt": "Für welches Gebiet ist Ihre Stadtteilkonferenz zuständig?", "help": "",
        "option-stadtteil": "Stadtteil",
    })
    with app.app_context():
        item = db.session.get(SurveyItem, item_id)
        assert item.key == "netzwerk.wirkungskreis" and item.modified
        question = item.to_question()
        assert question.prompt == "Für welches Gebiet ist Ihre Stadtteilkonferenz zuständig?"
        assert question.option_label("stadtteil") == "Stadtteil"
    page = _text(planner_client.get(f"/surveys/{survey_id}"))
    assert "angepasst" in page and "Für welches Gebiet" in page
    edit = _text(planner_client.get(f"/surveys/{survey_id}/items/{item_id}/edit"))
    assert "Auf welchen Wirkungskreis bezieht sich das Netzwerk?" in edit  # the catalogue wording, for comparison

    empty = planner_client.post(f"/surveys/{survey_id}/items/{item_id}/edit", data={"prompt": "", "help": "Hinweis"})
    assert "Der Fragetext darf nicht leer sein." in _text(empty) and "Hinweis" in _text(empty)

    planner_client.post(f"/surveys/{survey_id}/items/{item_id}/reset")
    with app.app_context():
        item = db.session.get(SurveyItem, item_id)
        assert not item.modified and item.prompt == "Auf welchen Wirkungskreis bezieht sich das Netzwerk?"
    assert "angepasst" not in _text(planner_client.get(f"/surveys/{survey_id}"))


def test_own_question_gets_a_local_key_and_is_answered_by_a_respondent(app, planner_client, client):
    survey_id = _new_survey(planner_client)
    planner_client.post(f"/surveys/{survey_id}/items", data={"key": "netzwerk.name"})
    [page_id] = _page_ids(app, survey_id)
    created = planner_client.post(f"/surveys/{survey_id}/eigene-frage", data={
        "kind": "single_choice", "prompt": "Nutzen Sie das Familienbüro im Rathaus?",
        "options": "Ja, regelmäßig\nJa, selten\nNein\n", "page": page_id, "required": "y",
    }, follow_redirects=True)
    assert "Die eigene Frage" in _text(created) and "eigene Frage" in _text(created)
    planner_client.post(f"/surveys/{survey_id}/eigene-frage", data={
        "kind": "number", "prompt": "Wie viele Familien beraten Sie im Monat?", "minimum": "0", "maximum": "1.000",
        "integer": "y", "page": page_id,
    })
    planner_client.post(f"/surveys/{survey_id}/eigene-frage", data={
        "kind": "likert", "prompt": "Das Familienbüro ist gut erreichbar.", "page": page_id,
    })
    with app.app_context():
        own = db.session.query(SurveyItem).filter(SurveyItem.key.like("eigene.%")).order_by(SurveyItem.key).all()
        assert [(i.key, i.kind, i.catalogue_version) for i in own] == [
            ("eigene.1", "single_choice", None), ("eigene.2", "number", None), ("eigene.3", "likert", None)]
        assert [o.code for o in own[0].to_question().options] == ["ja_regelmaessig", "ja_selten", "nein"]
        assert own[0].required and own[1].to_question().maximum == 1000
        assert own[2].to_question().option_codes[-1] == "trifft_voll_zu"
    assert planner_client.post(f"/surveys/{survey_id}/open").status_code == 302
    with app.app_context():
        token = invite(db.session.get(Survey, survey_id))
    client.post(f"/r/{token}/start")
    page = _text(client.get(f"/r/{token}/seite/1"))
    assert "Nutzen Sie das Familienbüro im Rathaus?" in page and "Trifft voll zu" in page
    revision = re.search(r'name="_revision" value="(\d+)"', page).group(1)
    client.post(f"/r/{token}/seite/1",
                data={"_revision": revision, "_action": "review", "netzwerk.name": "Stadtteilkonferenz Nord",
                                             "eigene.1": "ja_selten", "eigene.2": "40", "eigene.3": "trifft_eher_zu"})
    assert "Vielen Dank" in _text(client.post(f"/r/{token}/pruefen", follow_redirects=True))
    with app.app_context():
        answers = db.session.query(Response).one().answers
        assert answers["eigene.1"] == "ja_selten" and answers["eigene.2"] == 40
        assert answers["eigene.3"] == "trifft_eher_zu"


def test_own_question_form_keeps_input_and_explains_mistakes(app, planner_client):
    survey_id = _new_survey(planner_client)
    [page_id] = _page_ids(app, survey_id)
    response = planner_client.post(f"/surveys/{survey_id}/eigene-frage", data={
        "kind": "single_choice", "prompt": "Gibt es bei Ihnen eine Elternsprechstunde?", "options": "Ja",
        "page": page_id})
    page = _text(response)
    assert response.status_code == 200 and "mindestens zwei Antwortmöglichkeiten" in page
    assert "Gibt es bei Ihnen eine Elternsprechstunde?" in page
    bounds = _text(planner_client.post(f"/surveys/{survey_id}/eigene-frage", data={
        "kind": "number", "prompt": "Wie viele?", "minimum": "10", "maximum": "zwei", "integer": "y", "page": page_id}))
    assert "Bitte eine ganze Zahl eingeben" in bounds and 'value="zwei"' in bounds
    with app.app_context():
        assert db.session.query(SurveyItem).count() == 0


def test_template_creates_its_pages_and_questions(app, planner_client):
    catalogue = app.extensions["catalogue"]
    template = next(t for t in catalogue.templates if t.key == "netzwerkbefragung_stadtteilkonferenzen")
    form = _text(planner_client.get("/surveys/new"))
    assert all(t.title in form for t in catalogue.templates)
    response = planner_client.post("/surveys/new", data={"title": "", "start": template.key})
    survey_id = int(re.search(r"/surveys/(\d+)", response.headers["Location"]).group(1))
    layout = _survey(app, survey_id)
    assert [title for title, _keys in layout] == [title for title, _keys in template.pages]
    assert [keys for _title, keys in layout] == [list(keys) for _title, keys in template.pages]
    with app.app_context():
        assert db.session.get(Survey, survey_id).title == template.title
    # Without template a title is needed; the rest of the input stays.
    empty = planner_client.post("/surveys/new", data={"title": "", "start": "", "contact_name": "Petra Plan"})
    assert "Bitte geben Sie einen Titel ein oder wählen Sie eine Vorlage." in _text(empty)
    assert 'value="Petra Plan"' in _text(empty)


def test_copy_keeps_pages_questions_wording_own_questions_and_settings(app, planner_client):
    survey_id = _new_survey(planner_client, introduction="Wir fragen, weil …", contact_name="Petra Plan",
                            contact_email="petra@musterhausen.example", privacy_notice="Nur die Planung sieht es.")
    planner_client.post(f"/surveys/{survey_id}/items", data={"key": "netzwerk.ziele_wo"})
    planner_client.post(f"/surveys/{survey_id}/pages", data={"title": "Eigenes"})
    second = _page_ids(app, survey_id)[1]
    planner_client.post(f"/surveys/{survey_id}/eigene-frage", data={
        "kind": "short_text", "prompt": "Wie heißt Ihr Stadtteilbüro?", "page": second})
    item_id = _item_id(app, survey_id, "netzwerk.ziele_festgeschrieben")
    planner_client.post(f"/surveys/{survey_id}/items/{item_id}/edit", data={"prompt": "Gibt es schriftliche Ziele?"})
    planner_client.post(f"/surveys/{survey_id}/items/{item_id}/required", data={"required": "1"})
    planner_client.post(f"/surveys/{survey_id}/open")

    response = planner_client.post(f"/surveys/{survey_id}/copy")
    copy_id = int(re.search(r"/surveys/(\d+)", response.headers["Location"]).group(1))
    assert copy_id != survey_id
    assert _survey(app, copy_id) == _survey(app, survey_id)
    with app.app_context():
        original, duplicate = db.session.get(Survey, survey_id), db.session.get(Survey, copy_id)
        assert duplicate.title == "Kopie von Netzwerke im Stadtteil" and duplicate.is_draft
        for name in ("introduction", "privacy_notice", "contact_name", "contact_email", "kommune_id"):
            assert getattr(duplicate, name) == getattr(original, name)

        def fields(s):
            return [(i.key, i.kind, i.catalogue_version, i.prompt, i.required, i.modified, i.definition)
                    for i in s.items]

        assert fields(duplicate) == fields(original)
        assert any(i.modified for i in duplicate.items) and any(i.is_own for i in duplicate.items)
    assert "Kopie von Netzwerke im Stadtteil" in _text(planner_client.get("/surveys/"))
    # The copy is a draft and can be changed without touching the original.
    copied_item = _item_id(app, copy_id, "netzwerk.ziele_festgeschrieben")
    planner_client.post(f"/surveys/{copy_id}/items/{copied_item}/required", data={"required": "0"})
    with app.app_context():
        assert db.session.get(SurveyItem, item_id).required


def test_opened_survey_refuses_every_builder_action(app, planner, planner_client):
    with app.app_context():
        survey_id = make_survey(planner[0]).id
    item_id = _item_id(app, survey_id, "netzwerk.fokus")
    page_id = _page_ids(app, survey_id)[0]
    before = _survey(app, survey_id)
    actions = [
        (f"/surveys/{survey_id}/items", {"key": "netzwerk.seit"}),
        (f"/surveys/{survey_id}/items/section", {"modul": "netzwerk", "section": "Themen und Ziele"}),
        (f"/surveys/{survey_id}/items/{item_id}/delete", {}),
        (f"/surveys/{survey_id}/items/{item_id}/move", {"direction": "up"}),
        (f"/surveys/{survey_id}/items/{item_id}/required", {"required": "1"}),
        (f"/surveys/{survey_id}/items/{item_id}/edit", {"prompt": "Neu?"}),
        (f"/surveys/{survey_id}/items/{item_id}/reset", {}),
        (f"/surveys/{survey_id}/items/{item_id}/page", {"page_id": page_id}),
        (f"/surveys/{survey_id}/pages", {"title": "Noch eine"}),
        (f"/surveys/{survey_id}/pages/{page_id}/rename", {"title": "Anders"}),
        (f"/surveys/{survey_id}/pages/{page_id}/delete", {}),
        (f"/surveys/{survey_id}/eigene-frage", {"kind": "short_text", "prompt": "Eigene?", "page": page_id}),
    ]
    for url, data in actions:
        page = _text(planner_client.post(url, data=data, follow_redirects=True))
        assert "ihre Fragen sind eingefroren" in page, url
    for url in (f"/surveys/{survey_id}/katalog", f"/surveys/{survey_id}/eigene-frage",
                f"/surveys/{survey_id}/items/{item_id}/edit"):
        assert "ihre Fragen sind eingefroren" in _text(planner_client.get(url, follow_redirects=True)), url
    assert _survey(app, survey_id) == before
    with app.app_context():
        item = db.session.get(SurveyItem, item_id)
        assert not item.required and not item.modified and item.prompt != "Neu?"


def test_catalogue_edit_does_not_alter_an_open_survey(app, planner, client):
    with app.app_context():
        survey = make_survey(planner[0], keys=["netzwerk.wirkungskreis"])
        token = invite(survey)
        before = db.session.query(SurveyItem).one().definition
    original = app.extensions["catalogue"]
    reworded = dataclasses.replace(original.get("netzwerk.wirkungskreis"), prompt="Wo wirkt Ihr Netzwerk?", version=2)
    modules = tuple(
        Module(m.key, m.title, m.description,
               tuple(reworded if q.key == reworded.key else q for q in m.questions))
        for m in original.modules
    )
    app.extensions["catalogue"] = Catalogue(modules=modules, templates=original.templates)
    try:
        assert app.extensions["catalogue"].get("netzwerk.wirkungskreis").prompt == "Wo wirkt Ihr Netzwerk?"
        client.post(f"/r/{token}/start")
        page = _text(client.get(f"/r/{token}/seite/1"))
        assert "Auf welchen Wirkungskreis bezieht sich das Netzwerk?" in page
        assert "Wo wirkt Ihr Netzwerk?" not in page
        with app.app_context():
            assert db.session.query(SurveyItem).one().definition == before
    finally:
        app.extensions["catalogue"] = original


def test_preview_shows_every_page_without_creating_a_response(app, planner_client):
    survey_id = _new_survey(planner_client)
    planner_client.post(f"/surveys/{survey_id}/items", data={"key": "netzwerk.ziele_wo"})
    planner_client.post(f"/surveys/{survey_id}/pages", data={"title": "Angebote"})
    second = _page_ids(app, survey_id)[1]
    planner_client.post(f"/surveys/{survey_id}/items", data={"key": "angebote.angebote", "seite": second})
    first = _text(planner_client.get(f"/surveys/{survey_id}/vorschau"))
    assert "Seite 1 von 2" in first and "Vorschau" in first
    assert 'type="radio" name="netzwerk.ziele_festgeschrieben"' in first
    assert "Nur wenn „Sind die Ziele des Netzwerks" in first  # the conditional question is shown with its rule
    second_page = _text(planner_client.get(f"/surveys/{survey_id}/vorschau/2"))
    assert "Seite 2 von 2" in second_page and "Ihre Angebote im Einzelnen" in second_page
    assert "Was je Eintrag gefragt wird" in second_page
    assert planner_client.get(f"/surveys/{survey_id}/vorschau/3").status_code == 404
    with app.app_context():
        assert db.session.query(Response).count() == 0
        assert db.session.get(Survey, survey_id).is_draft


@pytest.fixture
def other_kommune_survey(app):
    user_id, _email = make_user(app, "planner", kommune="Stadt Anderswo")
    with app.app_context():
        survey = make_survey(user_id, open_it=False)
        return survey.id, db.session.query(SurveyItem).filter_by(survey_id=survey.id).first().id, survey.pages[0].id


def test_another_kommunes_survey_is_not_found_on_builder_routes(app, planner_client, other_kommune_survey):
    survey_id, item_id, page_id = other_kommune_survey
    gets = ["", "/katalog", "/eigene-frage", "/vorschau", f"/items/{item_id}/edit", "/edit"]
    posts = ["/items", "/items/section", f"/items/{item_id}/delete", f"/items/{item_id}/move",
             f"/items/{item_id}/required", f"/items/{item_id}/page", f"/items/{item_id}/edit",
             f"/items/{item_id}/reset",
             "/pages", f"/pages/{page_id}/rename", f"/pages/{page_id}/delete", "/eigene-frage", "/copy", "/open"]
    for path in gets:
        assert planner_client.get(f"/surveys/{survey_id}{path}").status_code == 404, path
    for path in posts:
        assert planner_client.post(f"/surveys/{survey_id}{path}", data={"key": "netzwerk.seit", "page_id": page_id,
                                                                         "title": "x"}).status_code == 404, path
    # An item or page of another Kommune's survey cannot be reached through one's own survey either.
    own_id = _new_survey(planner_client)
    assert planner_client.post(f"/surveys/{own_id}/items/{item_id}/delete").status_code == 404
    assert planner_client.post(f"/surveys/{own_id}/pages/{page_id}/delete").status_code == 404
    with app.app_context():
        assert db.session.query(Survey).count() == 2 and db.session.get(Survey, survey_id).is_draft
