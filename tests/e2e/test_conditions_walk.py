"""A planner gives a required question a condition of two parts in the builder (one typed wrong first),
sees it in the preview; on a phone one respondent's answers hide the question and she submits without
it, another's show it. Screenshots in /tmp/conditions-shots."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from e2e.axe import axe_violations
from e2e.walk import sign_in
from factories import PRIVACY, invite
from survey.extensions import db
from survey.models import Response, Survey, User
from survey.services import surveys

pytestmark = pytest.mark.e2e
SHOTS = Path("/tmp/conditions-shots")
FOCUS = "Gibt es einen Fokus des Netzwerks? Bitte beschreiben Sie ihn kurz."


def test_a_condition_defined_in_the_builder_hides_a_required_question_that_then_does_not_block(
        app, browser, live_server, planner):
    with app.app_context():
        user = db.session.get(User, planner[0])
        catalogue = app.extensions["catalogue"]
        survey = surveys.create_survey(user.kommune, user, "Netzwerke 2026", contact_name="Petra Plan",
                                       contact_email=user.email, privacy_notice=PRIVACY)
        for key in ("netzwerk.wirkungskreis", "netzwerk.mitglieder_anzahl", "netzwerk.fokus"):
            surveys.add_question(survey, catalogue.get(key))
        focus = survey.items[-1]
        focus.required = True
        db.session.commit()
        survey_id = survey.id
    SHOTS.mkdir(exist_ok=True)

    desk = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
    desk.set_default_timeout(10_000)
    page = desk.new_page()
    sign_in(page, live_server, planner[1])
    page.goto(f"{live_server}/surveys/{survey_id}")
    page.get_by_role("link", name=f"Bedingung: {FOCUS}").click()
    expect(page.get_by_role("heading", name="Bedingung: nur zeigen, wenn …")).to_be_visible()
    page.locator("#q-0").select_option(label="Auf welchen Wirkungskreis bezieht sich das Netzwerk?")
    page.get_by_role("button", name="Übernehmen").click()
    page.locator("#op-0").select_option(label="ist")
    page.get_by_label("Stadtteil / Sozialraum").check()
    page.get_by_role("button", name="Weiteren Teil hinzufügen").click()
    page.locator("#q-1").select_option(value="netzwerk.mitglieder_anzahl")
    page.get_by_role("button", name="Übernehmen").nth(1).click()
    page.locator("#op-1").select_option(label="Zahl ≥")
    page.get_by_label("Zahl (für").fill("zwanzig")
    page.get_by_label("mindestens ein Teil trifft zu („oder“)").check()
    page.get_by_role("button", name="Speichern", exact=True).last.click()
    expect(page.locator("#condition-message")).to_contain_text("Teil 2: Bitte geben Sie eine Zahl ein")
    expect(page.get_by_label("Zahl (für")).to_have_value("zwanzig")
    expect(page.get_by_label("Stadtteil / Sozialraum")).to_be_checked()
    assert axe_violations(page) == []
    page.screenshot(path=str(SHOTS / "bedingung-abgelehnt.png"), full_page=True)
    page.get_by_label("Zahl (für").fill("20")
    page.get_by_label("Zahl (für").press("Enter")  # Enter saves (the form's first button)
    expect(page.get_by_text("Die Bedingung ist gespeichert")).to_be_visible()
    text = ("Nur wenn „Auf welchen Wirkungskreis bezieht sich das Netzwerk?“ mit „Stadtteil / Sozialraum“ beantwortet "
            "ist oder die Antwort auf „Wie viele Einrichtungen bzw. Institutionen sind derzeit Mitglied im Netzwerk?“ "
            "mindestens 20 ist")
    expect(page.locator(".item .condition")).to_have_text(text)
    page.screenshot(path=str(SHOTS / "builder.png"), full_page=True)
    page.goto(f"{live_server}/surveys/{survey_id}/vorschau")
    expect(page.locator(".condition")).to_have_text(text + ":")
    page.screenshot(path=str(SHOTS / "vorschau.png"), full_page=True)
    desk.close()

    with app.app_context():
        surveys.open_survey(db.session.get(Survey, survey_id))
        db.session.commit()
        hidden_token = invite(db.session.get(Survey, survey_id), "kita@traeger.example", "Kita Sonnenschein")
        shown_token = invite(db.session.get(Survey, survey_id), "schule@traeger.example", "Grundschule Süd")

    phone = browser.new_context(locale="de-DE", viewport={"width": 390, "height": 844})
    phone.set_default_timeout(10_000)
    respondent = phone.new_page()
    focus_box = respondent.locator('.q[data-key="netzwerk.fokus"]')
    # First: Quartier and 12 members -> the required question stays hidden and does not block.
    respondent.goto(f"{live_server}/r/{hidden_token}")
    respondent.get_by_role("button", name="Befragung beginnen").click()
    expect(focus_box).to_be_hidden()
    respondent.get_by_label("Quartier").check()
    respondent.get_by_label("Wie viele Einrichtungen").fill("12")
    expect(focus_box).to_be_hidden()
    respondent.get_by_label("Wie viele Einrichtungen").fill("25")
    expect(focus_box).to_be_visible()  # at once, before any save
    respondent.get_by_label("Wie viele Einrichtungen").fill("12")
    respondent.get_by_label("Wie viele Einrichtungen").blur()
    expect(focus_box).to_be_hidden()
    respondent.screenshot(path=str(SHOTS / "telefon-ausgeblendet.png"), full_page=True)
    respondent.get_by_role("button", name="Weiter zur Übersicht").click()
    respondent.get_by_role("button", name="Absenden").click()
    expect(respondent.get_by_role("heading", name="Vielen Dank!")).to_be_visible()
    # Second: Stadtteil -> the question shows and is asked for.
    respondent.goto(f"{live_server}/r/{shown_token}")
    respondent.get_by_role("button", name="Befragung beginnen").click()
    respondent.get_by_label("Stadtteil / Sozialraum").check()
    expect(focus_box).to_be_visible()
    focus_box.locator("textarea").fill("Übergang Kita – Schule")
    assert axe_violations(respondent) == []
    respondent.screenshot(path=str(SHOTS / "telefon-gezeigt.png"), full_page=True)
    respondent.get_by_role("button", name="Weiter zur Übersicht").click()
    respondent.get_by_role("button", name="Absenden").click()
    expect(respondent.get_by_role("heading", name="Vielen Dank!")).to_be_visible()
    phone.close()

    with app.app_context():
        answers = {r.invitation.email: r.answers for r in db.session.scalars(db.select(Response))}
    assert answers["kita@traeger.example"] == {"netzwerk.wirkungskreis": "quartier", "netzwerk.mitglieder_anzahl": 12}
    assert answers["schule@traeger.example"]["netzwerk.fokus"] == "Übergang Kita – Schule"
