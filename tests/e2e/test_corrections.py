"""A planner corrects a typo in a running survey; a respondent who had saved that page reads the note
on a phone (390 px), one who starts later reads only the new wording. Screenshots in /tmp/corrections-shots."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from e2e.axe import axe_violations
from e2e.walk import sign_in
from factories import PRIVACY, invite
from survey.extensions import db
from survey.models import User
from survey.services import surveys

pytestmark = pytest.mark.e2e
SHOTS = Path("/tmp/corrections-shots")
TYPO = "Auf welchen Wirkungskreis bezieht sich das Netzwerck?"
FIXED = "Auf welchen Wirkungskreis bezieht sich das Netzwerk?"


def test_a_planner_corrects_a_typo_and_a_respondent_on_a_phone_reads_the_note(app, browser, live_server, planner):
    with app.app_context():
        user = db.session.get(User, planner[0])
        catalogue = app.extensions["catalogue"]
        survey = surveys.create_survey(user.kommune, user, "Netzwerke 2026", contact_name="Petra Plan",
                                       contact_email=user.email, privacy_notice=PRIVACY)
        item = surveys.add_question(survey, catalogue.get("netzwerk.wirkungskreis"))
        surveys.reword(survey, item, TYPO)
        surveys.add_question(survey, catalogue.get("netzwerk.fokus"), page=surveys.add_page(survey, "Schwerpunkt"))
        surveys.open_survey(survey)
        db.session.commit()
        survey_id = survey.id
        early = invite(survey, "kita@traeger.example", "Kita Sonnenschein")
        late = invite(survey, "schule@traeger.example", "Grundschule Süd")
    SHOTS.mkdir(exist_ok=True)

    phone = browser.new_context(locale="de-DE", viewport={"width": 390, "height": 844})
    phone.set_default_timeout(10_000)
    respondent = phone.new_page()
    respondent.goto(f"{live_server}/r/{early}")
    respondent.get_by_role("button", name="Befragung beginnen").click()
    respondent.get_by_label("Quartier").check()
    respondent.get_by_role("button", name="Weiter").click()
    expect(respondent.get_by_role("heading", name="Schwerpunkt")).to_be_visible()

    desk = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
    desk.set_default_timeout(10_000)
    planner_page = desk.new_page()
    sign_in(planner_page, live_server, planner[1])
    planner_page.goto(f"{live_server}/surveys/{survey_id}")
    planner_page.get_by_role("link", name=f"Formulierung korrigieren: {TYPO}").click()
    expect(planner_page.get_by_role("heading", name="Formulierung korrigieren")).to_be_visible()
    # First try too much: another answer label that changes the meaning, and no note.
    planner_page.get_by_label("Fragetext").fill(FIXED)
    planner_page.get_by_label("Antwort 4").fill("Kein Kreis")
    planner_page.get_by_role("button", name="Korrektur speichern").click()
    expect(planner_page.get_by_text("Nicht gespeichert.")).to_be_visible()
    expect(planner_page.get_by_text("Bitte beschreiben Sie kurz, was Sie korrigiert haben")).to_be_visible()
    expect(planner_page.get_by_text("Antwort „Kreis“: Eine Verneinung")).to_be_visible()
    expect(planner_page.get_by_label("Fragetext")).to_have_value(FIXED)
    expect(planner_page.get_by_label("Antwort 4")).to_have_value("Kein Kreis")
    assert axe_violations(planner_page) == []
    planner_page.screenshot(path=str(SHOTS / "planner-abgelehnt.png"), full_page=True)
    planner_page.get_by_label("Antwort 4").fill("Kreis")
    planner_page.get_by_label("Was haben Sie korrigiert?").fill("Tippfehler korrigiert: „Netzwerk“ statt „Netzwerck“")
    planner_page.get_by_role("button", name="Korrektur speichern").click()
    expect(planner_page.get_by_text("Die Korrektur ist gespeichert")).to_be_visible()
    expect(planner_page.locator(".corrections-list")).to_contain_text("Tippfehler korrigiert")
    assert axe_violations(planner_page) == []
    planner_page.screenshot(path=str(SHOTS / "planner-gespeichert.png"), full_page=True)

    respondent.get_by_role("button", name="Zurück").click()
    note = respondent.locator(".correction-note")
    expect(note).to_contain_text("Diese Frage wurde am")
    expect(note).to_contain_text("sprachlich korrigiert: Tippfehler korrigiert: „Netzwerk“ statt „Netzwerck“")
    expect(respondent.get_by_text(FIXED)).to_be_visible()
    assert respondent.evaluate("document.documentElement.scrollWidth") <= 390
    assert axe_violations(respondent) == []
    respondent.screenshot(path=str(SHOTS / "befragte-hinweis-390.png"), full_page=True)

    newcomer = phone.new_page()
    newcomer.goto(f"{live_server}/r/{late}")
    newcomer.get_by_role("button", name="Befragung beginnen").click()
    expect(newcomer.get_by_text(FIXED)).to_be_visible()
    expect(newcomer.locator(".correction-note")).to_have_count(0)
    newcomer.screenshot(path=str(SHOTS / "neu-ohne-hinweis-390.png"), full_page=True)
    phone.close()
    desk.close()
