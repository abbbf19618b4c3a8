"""The planner's forms (actor register, invitation texts, pasted addresses, register selection):
a post with a mistake comes back with a German message under the field and everything typed."""

from __future__ import annotations

import html
import re
from pathlib import Path

import sqlalchemy as sa

from survey.extensions import db
from survey.models import Actor, Survey, User
from survey.services import actors as actor_service

from factories import make_survey

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_no_template_writes_the_csrf_input_by_hand():
    by_hand = [str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html")
               if re.search(r'name="csrf_token"', p.read_text(encoding="utf-8")) and p.name != "macros.html"]
    assert by_hand == []


def _choices(app, planner):
    with app.app_context():
        kommune = db.session.get(User, planner[0]).kommune
        return (actor_service.options("provider_type")[1][0], actor_service.options("sector")[2][0],
                [d.code for d in kommune.districts][:2])


def test_actor_form_keeps_everything_typed_when_the_address_is_wrong(app, planner, planner_client):
    provider_type, sector, districts = _choices(app, planner)
    assert districts, "the test Kommune needs districts"
    typed = {"name": "Kita Regenbogen", "provider_type": provider_type, "sector": sector, "districts": districts,
             "contact_name": "Rita Rot", "email": "rita@regenbogen", "phone": "0202 123", "notes": "Neu seit März"}
    page = planner_client.post("/actors/new", data=typed)
    body = text_of(page)
    assert "„rita@regenbogen“ ist keine gültige E-Mail-Adresse" in body
    assert re.search(r'<input[^>]*aria-invalid="true"[^>]*name="email"[^>]*value="rita@regenbogen"', body)
    for name in ("name", "contact_name", "phone"):
        assert re.search(rf'<input[^>]*name="{name}"[^>]*value="{re.escape(typed[name])}"', body), name
    assert re.search(r'<textarea[^>]*name="notes"[^>]*>\s*Neu seit März</textarea>', body)
    assert re.search(rf'<option selected value="{provider_type}">|<option value="{provider_type}" selected', body)
    assert re.search(rf'<option selected value="{sector}">|<option value="{sector}" selected', body)
    for code in districts:
        assert re.search(rf'name="districts" value="{code}" id="district-{code}" checked', body), code
    assert not re.search(r'<input[^>]*checked[^>]*name="active"|<input[^>]*name="active"[^>]*checked', body)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Actor)) == 0  # nothing stored

    saved = planner_client.post("/actors/new", data={**typed, "email": "Rita@Regenbogen.de", "active": "y"})
    assert saved.status_code == 302
    with app.app_context():
        actor = db.session.scalar(sa.select(Actor))
        assert (actor.name, actor.email, actor.provider_type, actor.sector, sorted(actor.districts), actor.active,
                actor.notes) == ("Kita Regenbogen", "rita@regenbogen.de", provider_type, sector, sorted(districts),
                                 True, "Neu seit März")
        actor_id = actor.id
    edit = text_of(planner_client.get(f"/actors/{actor_id}"))
    assert re.search(r'<input[^>]*checked[^>]*name="active"|<input[^>]*name="active"[^>]*checked', edit)
    assert 'value="rita@regenbogen.de"' in edit


def test_a_new_actor_is_active_unless_unticked(planner_client):
    page = text_of(planner_client.get("/actors/new"))
    assert re.search(r'<input[^>]*checked[^>]*name="active"|<input[^>]*name="active"[^>]*checked', page)


def _open_survey(app, planner, title="Texte 2026") -> int:
    with app.app_context():
        return make_survey(planner[0], title=title).id


def test_mail_texts_keep_everything_typed_and_say_what_is_wrong(app, planner, planner_client):
    survey_id = _open_survey(app, planner)
    url = f"/surveys/{survey_id}/invitations/text"
    with app.app_context():
        stored = db.session.get(Survey, survey_id).invitation_subject
    typed = {"action": "save", "invitation_subject": "Hallo {Organisation}", "invitation_text": "Ohne Link, {Vorname}",
             "reminder_subject": "Noch Zeit", "reminder_text": "Bitte bis bald: {Link}", "remind_days_before": "vier",
             "kind": "reminder"}
    page = planner_client.post(url, data=typed)
    body = text_of(page)
    assert "Ihr Text ist noch nicht gespeichert" in body
    assert "Den Platzhalter {Vorname} gibt es nicht" in body
    assert "Der Text muss den Platzhalter {Link} enthalten" in body
    assert "Bitte eine ganze Zahl von 0 bis 90 eingeben" in body
    assert re.search(r'<textarea[^>]*aria-invalid="true"[^>]*name="invitation_text"[^>]*>\s*Ohne Link, \{Vorname\}</textarea>',
                     body)
    assert re.search(r'<textarea[^>]*name="reminder_text"[^>]*>\s*Bitte bis bald: \{Link\}</textarea>', body)
    for name in ("invitation_subject", "reminder_subject", "remind_days_before"):
        assert re.search(rf'<input[^>]*name="{name}"[^>]*value="{re.escape(typed[name])}"', body), name
    assert re.search(r'<option selected value="reminder">', body)
    assert "Vorschau: Erinnerung an" in body  # the preview of the valid reminder is still shown
    with app.app_context():
        assert db.session.get(Survey, survey_id).invitation_subject == stored  # nothing saved

    no_deadline = text_of(planner_client.post(url, data={**typed, "invitation_text": "Hier: {Link}",
                                                        "remind_days_before": "3"}))
    assert "Die Befragung hat noch keine Antwortfrist" in no_deadline


def test_a_preview_post_without_the_text_fields_keeps_the_stored_texts(app, planner, planner_client):
    survey_id = _open_survey(app, planner)
    url = f"/surveys/{survey_id}/invitations/text"
    assert planner_client.post(url, data={"action": "save", "invitation_subject": "Eigener Betreff {Organisation}",
                                          "invitation_text": "Eigener Text {Link}"}).status_code == 302
    body = text_of(planner_client.post(url, data={"action": "preview", "kind": "invitation"}))
    assert re.search(r'<input[^>]*name="invitation_subject"[^>]*value="Eigener Betreff \{Organisation\}"', body)
    assert "Betreff</dt><dd>Eigener Betreff" in body


def test_reviewed_addresses_come_back_as_corrected_without_the_dropped_and_empty_rows(app, planner, planner_client):
    survey_id = _open_survey(app, planner)
    rows = {"row-0-address": "kita@falsch", "row-0-organisation": "Kita  Sonne", "row-0-name": "Rita",
            "row-1-address": "weg@traeger.de", "row-1-drop": "1",
            "row-2-address": " ", "row-2-organisation": "", "row-2-name": "",
            "row-3-address": "jugend@traeger.de", "row-3-organisation": "Jugendhaus",
            "row-x-address": "nicht@gezaehlt.de", "count": "4", "add_to_register": "1"}
    body = text_of(planner_client.post(f"/surveys/{survey_id}/invitations/check", data=rows))
    assert 'name="count" value="2"' in body
    addresses = re.findall(r'name="row-\d+-address" value="([^"]*)"', body)
    assert sorted(addresses) == ["jugend@traeger.de", "kita@falsch"]
    assert re.search(r'name="row-\d+-organisation" value="Kita Sonne"', body)  # spaces tidied, text kept
    assert re.search(r'id="add_to_register" name="add_to_register" value="1" checked', body)
    assert "weg@traeger.de" not in body and "nicht@gezaehlt.de" not in body
