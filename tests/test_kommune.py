"""Kommune settings and districts: name forms, the settings page, the districts page and its rules."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from factories import make_survey, make_user
from survey.extensions import db
from survey.models import District, Kommune, User
from survey.name_forms import TYPE_WORDS, name_forms
from survey.services import kommune as service

# --- name forms (pure) ------------------------------------------------------------------------------


@pytest.mark.parametrize("name, type_word, gender, expected", [
    ("Wuppertal", "Stadt", "", {"nominative": "die Stadt Wuppertal", "initial": "Die Stadt Wuppertal",
                                "genitive": "der Stadt Wuppertal", "accusative": "die Stadt Wuppertal",
                                "von": "von der Stadt Wuppertal", "bei": "bei der Stadt Wuppertal"}),
    ("Kreis Düren", "", "", {"nominative": "der Kreis Düren", "initial": "Der Kreis Düren",
                             "genitive": "des Kreises Düren", "accusative": "den Kreis Düren",
                             "von": "vom Kreis Düren", "bei": "beim Kreis Düren"}),
    ("Gemeinde Kreuzau", "Gemeinde", "", {"nominative": "die Gemeinde Kreuzau", "genitive": "der Gemeinde Kreuzau",
                                          "von": "von der Gemeinde Kreuzau", "bei": "bei der Gemeinde Kreuzau"}),
    ("Aachen", "Städteregion", "", {"nominative": "die Städteregion Aachen", "von": "von der Städteregion Aachen",
                                    "genitive": "der Städteregion Aachen"}),
    ("Eving", "Stadtbezirk", "", {"nominative": "der Stadtbezirk Eving", "genitive": "des Stadtbezirks Eving",
                                  "von": "vom Stadtbezirk Eving", "bei": "beim Stadtbezirk Eving"}),
    ("Amt Hüttener Berge", "Amt", "n", {"nominative": "das Amt Hüttener Berge", "von": "vom Amt Hüttener Berge",
                                        "genitive": "des Amtes Hüttener Berge"}),
])
def test_name_forms_follow_type_word_and_gender(name, type_word, gender, expected):
    forms = name_forms(name, type_word, gender).as_dict()
    for key, value in expected.items():
        assert forms[key] == value


def test_override_replaces_one_form_and_the_sentence_start_follows_the_nominative():
    forms = name_forms("Düsseldorf", "Landeshauptstadt", "",
                       {"nominative": "die Landeshauptstadt Düsseldorf (Jugendamt)"})
    assert forms.nominative == "die Landeshauptstadt Düsseldorf (Jugendamt)"
    assert forms.initial == "Die Landeshauptstadt Düsseldorf (Jugendamt)"
    assert forms.von == "von der Landeshauptstadt Düsseldorf"
    own = name_forms("Wuppertal", "Stadt", "", {"von": "aus dem Rathaus Wuppertal", "initial": "Wuppertal"})
    assert own.von == "aus dem Rathaus Wuppertal" and own.initial == "Wuppertal"


@settings(max_examples=60, deadline=None)
@given(type_word=st.sampled_from(sorted(TYPE_WORDS)), name=st.text(
    alphabet=st.characters(whitelist_categories=("Lu", "Ll")), min_size=2, max_size=12).filter(
        lambda n: n not in TYPE_WORDS))
def test_every_form_names_the_kommune_once_with_an_article(type_word, name):
    forms = name_forms(name, type_word, "")
    assert forms.plain == f"{type_word} {name}"
    for value in forms.as_dict().values():
        assert value.endswith(name) and value.count(name) >= 1
        assert value.split()[0].lower() in {"die", "der", "das", "des", "den", "von", "vom", "bei", "beim"}


# --- districts (service) ----------------------------------------------------------------------------


@pytest.fixture
def kommune_id(app):
    user_id, _email = make_user(app, "planner")
    with app.app_context():
        return db.session.get(User, user_id).kommune_id


def test_rename_keeps_the_code(ctx, kommune_id):
    kommune = db.session.get(Kommune, kommune_id)
    district = kommune.districts[0]
    code = district.code
    service.rename_district(district, "Nordstadt-Mitte")
    assert (district.code, district.name) == (code, "Nordstadt-Mitte")
    assert kommune.district_names()[code] == "Nordstadt-Mitte"


def test_a_new_district_never_takes_the_code_of_a_renamed_one(ctx, kommune_id):
    kommune = db.session.get(Kommune, kommune_id)
    old = kommune.districts[0]  # Nordstadt, code nordstadt
    service.rename_district(old, "Altstadt-Nord")
    new = service.add_district(kommune, "Nordstadt")
    assert new.code != old.code and old.code == "nordstadt"


def test_deactivated_district_stays_in_surveys_opened_before_but_not_in_new_ones(app, kommune_id):
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.kommune_id == kommune_id))
        opened = make_survey(user.id, keys=["akteur.stadtteile"])
        kommune = db.session.get(Kommune, kommune_id)
        south = next(d for d in kommune.districts if d.name == "Südstadt")
        opened.opened_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
        service.deactivate_district(south)
        db.session.commit()
        draft = make_survey(user.id, keys=["akteur.stadtteile"], open_it=False, title="Neu")
        assert "Südstadt" in [o.label for o in opened.questions()[0].options]
        assert "Südstadt" not in [o.label for o in draft.questions()[0].options]
        service.reactivate_district(south)
        assert "Südstadt" in [o.label for o in draft.district_options()]


def test_paste_adds_new_names_and_reports_duplicates_and_blank_lines(ctx, kommune_id):
    kommune = db.session.get(Kommune, kommune_id)
    report = service.paste_districts(kommune, "Eving\n\nScharnhorst\neving\nNordstadt\n  \nHuckarde\n")
    assert [d.name for d in report.added] == ["Eving", "Scharnhorst", "Huckarde"]
    assert report.blank_lines == [2, 6]
    assert report.skipped == ["Zeile 4: „eving“ steht schon in Zeile 1.",
                              "Zeile 5: Stadtteil „Nordstadt“ gibt es schon."]
    assert [d.name for d in kommune.districts][-3:] == ["Eving", "Scharnhorst", "Huckarde"]


def test_move_changes_the_order_of_the_options(ctx, kommune_id):
    kommune = db.session.get(Kommune, kommune_id)
    south = kommune.districts[1]
    service.move_district(south, -1)
    db.session.expire(kommune, ["districts"])
    assert [d.name for d in kommune.districts] == ["Südstadt", "Nordstadt", "Oststadt"]


# --- the admin pages --------------------------------------------------------------------------------


ADMIN_GET = ["/admin/einstellungen", "/admin/stadtteile"]


def _admin_routes(app):
    """Every route of this module's pages (generated from the url map)."""
    return sorted((rule.rule, sorted(rule.methods - {"HEAD", "OPTIONS"})) for rule in app.url_map.iter_rules()
                  if rule.endpoint.startswith("admin.") and ("einstellungen" in rule.rule or "stadtteile" in rule.rule))


def test_admin_pages_are_for_admins_only(app, planner, planner_client, analyst_client):
    with app.app_context():
        kommune_id = db.session.get(User, planner[0]).kommune_id
        district_id = db.session.scalar(sa.select(District.id).where(District.kommune_id == kommune_id))
    routes = _admin_routes(app)
    assert len(routes) >= 7
    for rule, methods in routes:
        url = rule.replace("<int:district_id>", str(district_id))
        for client in (planner_client, analyst_client):
            for method in methods:
                assert client.open(url, method=method).status_code == 403, (method, url)
        assert app.test_client().get(url).status_code in (302, 405)


def test_another_kommunes_district_is_not_found(app, admin_client):
    other_id, _email = make_user(app, "planner", kommune="Stadt Anderswo")
    with app.app_context():
        other = db.session.get(User, other_id).kommune
        foreign = other.districts[0].id
    for rule, _methods in _admin_routes(app):
        if "<int:district_id>" in rule:
            response = admin_client.post(rule.replace("<int:district_id>", str(foreign)), data={"name": "Gekapert"})
            assert response.status_code == 404
    with app.app_context():
        assert db.session.get(District, foreign).name == "Nordstadt"
        assert db.session.get(District, foreign).deactivated_at is None


def test_admin_sees_both_pages(admin_client):
    for url in ADMIN_GET:
        assert admin_client.get(url).status_code == 200


def _settings_data(**changes):
    data = {"name": "Kreis Düren", "type_word": "Kreis", "gender": "", "sender_name": "Kreis Düren – Präventionskette",
            "signature": "Amt für Kinder, Jugend und Familie", "contact_block": "Birgit Schäfer, Tel. 02421 22-0",
            "imprint_url": "https://www.kreis-dueren.de/impressum",
            "privacy_url": "https://www.kreis-dueren.de/datenschutz",
            "accessibility_url": "https://www.kreis-dueren.de/barrierefreiheit",
            "privacy_template": "Verantwortlich: [Amt]",
            "spatial_word": "Gemeinde", "strategic_fields": "Frühe Hilfen\nSport als Präventionsansatz\n\nFrühe Hilfen"}
    data.update(changes)
    return data


def test_settings_are_saved_and_the_preview_uses_the_forms(app, admin_client, admin):
    response = admin_client.post("/admin/einstellungen", data=_settings_data())
    assert response.status_code == 302
    page = admin_client.get("/admin/einstellungen").get_data(as_text=True)
    assert "Der Kreis Düren lädt Sie zur Befragung" in page
    assert "Eine Befragung des Kreises Düren." in page
    assert "Ihre Antworten sind beim Kreis Düren angekommen." in page
    with app.app_context():
        kommune = db.session.get(User, admin[0]).kommune
        assert (kommune.name, kommune.spatial_word, kommune.spatial_plural) == ("Kreis Düren", "Gemeinde", "Gemeinden")
        assert kommune.strategic_fields == ["Frühe Hilfen", "Sport als Präventionsansatz"]
        assert kommune.forms.von == "vom Kreis Düren"
        assert kommune.mail_sender_name == "Kreis Düren – Präventionskette"


def test_bad_settings_get_german_messages_and_keep_what_was_typed(app, admin_client, admin):
    response = admin_client.post("/admin/einstellungen", data=_settings_data(
        name="", imprint_url="www.kreis-dueren.de/impressum", form_von="von unserem Kreis"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Bitte geben Sie den Namen der Kommune ein." in page
    assert "Bitte eine vollständige Webadresse eingeben, die mit https:// beginnt" in page
    assert 'value="www.kreis-dueren.de/impressum"' in page
    assert 'value="Kreis Düren – Präventionskette"' in page
    assert 'value="von unserem Kreis"' in page
    assert "Sport als Präventionsansatz" in page
    with app.app_context():
        assert db.session.get(User, admin[0]).kommune.name == "Stadt Musterhausen"


def test_name_of_another_kommune_is_refused(app, admin_client):
    make_user(app, "planner", kommune="Stadt Anderswo")
    response = admin_client.post("/admin/einstellungen", data=_settings_data(name="Stadt Anderswo", type_word="Stadt"))
    assert response.status_code == 400
    assert "trägt schon eine andere Kommune" in response.get_data(as_text=True)


def test_districts_page_adds_renames_deactivates_and_pastes(app, admin_client, admin):
    assert admin_client.post("/admin/stadtteile/neu", data={"neu-name": "Eving"}).status_code == 302
    page = admin_client.get("/admin/stadtteile").get_data(as_text=True)
    assert "Stadtteil „Eving“ ist angelegt." in page
    again = admin_client.post("/admin/stadtteile/neu", data={"neu-name": "eving"})
    assert again.status_code == 400 and "Stadtteil „eving“ gibt es schon." in again.get_data(as_text=True)
    with app.app_context():
        eving = db.session.scalar(sa.select(District).where(District.name == "Eving"))
        eving_id, code = eving.id, eving.code
    clash = admin_client.post(f"/admin/stadtteile/{eving_id}/umbenennen", data={"name": "Nordstadt"})
    assert clash.status_code == 400
    assert 'value="Nordstadt"' in clash.get_data(as_text=True) and "gibt es schon" in clash.get_data(as_text=True)
    admin_client.post(f"/admin/stadtteile/{eving_id}/umbenennen", data={"name": "Eving-Mitte"})
    admin_client.post(f"/admin/stadtteile/{eving_id}/stilllegen")
    pasted = admin_client.post("/admin/stadtteile/liste", data={"liste-names": "Huckarde\n\nNordstadt\nHuckarde"})
    text = pasted.get_data(as_text=True)
    assert "1 Stadtteil angelegt: Huckarde." in text
    assert "Zeile 3: Stadtteil „Nordstadt“ gibt es schon." in text
    assert "Zeile 4: „Huckarde“ steht schon in Zeile 1." in text
    assert "Zeile 2: leer." in text
    nothing = admin_client.post("/admin/stadtteile/liste", data={"liste-names": "Huckarde\nSüdstadt"})
    assert nothing.status_code == 400 and "Huckarde\nSüdstadt</textarea>" in nothing.get_data(as_text=True)
    with app.app_context():
        eving = db.session.get(District, eving_id)
        assert (eving.code, eving.name, eving.active) == (code, "Eving-Mitte", False)
    admin_client.post(f"/admin/stadtteile/{eving_id}/reaktivieren")
    with app.app_context():
        assert db.session.get(District, eving_id).active


# --- the districts at once in the register import ----------------------------------------------------


def _import(client, text: str):
    import io

    return client.post("/actors/import", data={"file": (io.BytesIO(text.encode()), "akteure.csv")},
                       content_type="multipart/form-data")


def test_import_names_the_known_districts_and_links_admins_to_the_districts_page(app, admin_client, planner_client):
    csv = "Name;Stadtteile\nKita Eving;Eving\nKita Nord;Nordstadt\n"
    text = _import(admin_client, csv).get_data(as_text=True)
    assert "Stadtteil „Eving“ ist unbekannt. Bekannt sind: Nordstadt, Südstadt, Oststadt." in text
    assert 'href="/admin/stadtteile">Stadtteile verwalten</a>' in text
    planner_text = _import(planner_client, csv).get_data(as_text=True)
    assert "neue Stadtteile legt die Verwaltung Ihrer Kommune an" in planner_text
    assert "/admin/stadtteile" not in planner_text
    # Added on the districts page, the same file goes through at once.
    admin_client.post("/admin/stadtteile/liste", data={"liste-names": "Eving"})
    again = _import(admin_client, csv).get_data(as_text=True)
    assert "ist unbekannt" not in again and "2 neu" in again


def test_new_survey_starts_with_the_privacy_template_and_cannot_open_with_open_places(app, admin_client, admin):
    admin_client.post("/admin/einstellungen", data=_settings_data(
        privacy_template="Verantwortlich ist {Kommune_nominativ}. Speicherdauer: [Zeitpunkt]."))
    form = admin_client.get("/surveys/new").get_data(as_text=True)
    assert "Verantwortlich ist der Kreis Düren. Speicherdauer: [Zeitpunkt]." in form
    assert "Noch zu ergänzen: [Zeitpunkt]." in form
    with app.app_context():
        from survey.services.surveys import SurveyError, open_survey

        survey = make_survey(admin[0], open_it=False)
        survey.privacy_notice = db.session.get(User, admin[0]).kommune.privacy_default
        with pytest.raises(SurveyError, match=r"noch Stellen offen: \[Zeitpunkt\]"):
            open_survey(survey)
        survey.privacy_notice = survey.privacy_notice.replace("[Zeitpunkt]", "sechs Monate")
        open_survey(survey)
        assert survey.is_open
