"""Pasted address lists: a place or a unit is not greeted as a person, and tidying is said, not silent."""

from __future__ import annotations

import html
import re

from factories import deliver, make_survey
from survey.extensions import db

PASTE = ("Kita Sonnenschein\tLangerwehe\tkita@sonne.de\n"
         "Familienzentrum Nord\tAnna Becker\tanna.becker@fz-nord.de.\n")


def _page(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def _fields(response) -> dict[str, str]:
    raw = response.get_data(as_text=True)
    data = {"count": re.search(r'name="count" value="(\d+)"', raw).group(1)}
    for name, value in re.findall(r'name="(row-\d+-(?:address|organisation|name|unsure))" value="([^"]*)"', raw):
        data[name] = html.unescape(value)
    return data


def test_a_city_column_is_flagged_and_the_invitation_greets_without_a_name(app, planner, planner_client, inbox):
    with app.app_context():
        survey = make_survey(planner[0])
        db.session.commit()
        survey_id = survey.id
    preview = planner_client.post(f"/surveys/{survey_id}/invitations", data={"addresses": PASTE})
    page = _page(preview)
    assert "1 Name ohne sichere Ansprechperson (Anrede „Guten Tag,“)" in page
    assert "„Langerwehe“ ist wohl ein Ort oder eine Stelle, keine Person" in page
    assert "Der Punkt am Ende der Adresse ist entfernt" in page
    data = _fields(preview)
    assert data["row-0-name"] == "" and data["row-0-unsure"] == "Langerwehe" and data["row-1-name"] == "Anna Becker"
    again = planner_client.post(f"/surveys/{survey_id}/invitations/check", data=dict(data, action="check"))
    assert "„Langerwehe“ ist wohl ein Ort" in _page(again)  # the question survives "Erneut prüfen"
    sent = planner_client.post(f"/surveys/{survey_id}/invitations/check", data=dict(data, action="send"))
    assert sent.status_code == 302 and deliver(app).sent == 2
    [sonne] = inbox.to("kita@sonne.de")
    assert sonne.get_body(("plain",)).get_content().startswith("Guten Tag,")
    [becker] = inbox.to("anna.becker@fz-nord.de")
    assert becker.get_body(("plain",)).get_content().startswith("Guten Tag Anna Becker,")


def test_a_name_the_planner_types_is_taken_as_the_contact_person(app, planner, planner_client, inbox):
    with app.app_context():
        survey = make_survey(planner[0])
        db.session.commit()
        survey_id = survey.id
    data = _fields(planner_client.post(f"/surveys/{survey_id}/invitations", data={"addresses": PASTE}))
    data["row-0-name"] = "Langerwehe"  # the planner knows: it is Ms Langerwehe
    checked = planner_client.post(f"/surveys/{survey_id}/invitations/check", data=dict(data, action="check"))
    assert "ist wohl ein Ort" not in _page(checked)
    planner_client.post(f"/surveys/{survey_id}/invitations/check", data=dict(data, action="send"))
    deliver(app)
    [sonne] = inbox.to("kita@sonne.de")
    assert sonne.get_body(("plain",)).get_content().startswith("Guten Tag Langerwehe,")
