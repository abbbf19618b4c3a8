"""Input never lost, in a real browser at 390 px: the edit conflict of two planners and a respondent's
save after the survey was closed (screenshots in LUECKENLOS_SHOTS, axe-core clean, no sideways scroll)."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import expect

from e2e.allkinds import make_all_kinds_survey
from e2e.axe import axe_violations
from e2e.walk import sign_in
from factories import PASSWORD, invite, make_survey, make_user
from survey.extensions import db
from survey.models import Survey
from survey.services import surveys

SHOTS = Path(os.environ.get("LUECKENLOS_SHOTS", "/tmp/lueckenlos-shots"))
NARROW = {"width": 390, "height": 844}


def _login(page, live_server, email):
    sign_in(page, live_server, email)
    expect(page.get_by_role("button", name="Abmelden")).to_be_visible()


def _check_narrow(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert axe_violations(page) == []
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= NARROW["width"], f"{name} scrolls sideways ({width} px)"
    page.screenshot(path=str(SHOTS / f"{name}-390.png"), full_page=True)


def test_two_planners_editing_the_invitation_text_see_both_and_choose(app, browser, live_server):
    _id, email = make_user(app, "planner")
    with app.app_context():
        survey_id = make_survey(_id, open_it=False).id
    url = f"{live_server}/surveys/{survey_id}/invitations/text"
    tabs = []
    for _ in range(2):  # two browsers, e.g. two colleagues sharing the account's Kommune
        context = browser.new_context(locale="de-DE", viewport=NARROW)
        tab = context.new_page()
        _login(tab, live_server, email)
        tab.goto(url)
        tabs.append(tab)
    colleague, me = tabs
    text = colleague.locator("#invitation_text")
    text.fill(text.input_value() + "\nGruß von der Kollegin")
    colleague.get_by_role("button", name="Texte speichern").click()
    expect(colleague.get_by_text("Die Texte sind gespeichert.")).to_be_visible()
    mine = me.locator("#invitation_text")
    mine.fill(mine.input_value() + "\nMein ausführlicher Absatz über die Befragung, den ich nicht verlieren möchte.")
    me.get_by_role("button", name="Texte speichern").click()
    notice = me.locator("#konflikt")
    expect(notice).to_contain_text("jemand anderes")
    expect(me.locator(".conflict-theirs")).to_contain_text("Gruß von der Kollegin")
    assert "nicht verlieren möchte" in me.get_by_label("Ihre Fassung (noch nicht gespeichert):").input_value()
    _check_narrow(me, "bearbeitungskonflikt")
    me.get_by_role("button", name="Meine Fassung speichern").click()
    expect(me.get_by_text("Die Texte sind gespeichert.")).to_be_visible()
    with app.app_context():
        assert "nicht verlieren möchte" in db.session.get(Survey, survey_id).invitation_text
    for tab in tabs:
        tab.context.close()


def test_a_save_after_closing_shows_the_typed_answer_to_copy(app, browser, live_server):
    planner_id, _email = make_user(app, "planner")
    with app.app_context():
        survey = make_all_kinds_survey(planner_id)
        survey_id, token = survey.id, invite(survey)
    context = browser.new_context(locale="de-DE", viewport=NARROW)
    page = context.new_page()
    page.goto(f"{live_server}/r/{token}/seite/1")
    page.get_by_label("Wie heißt Ihre Einrichtung?").fill("Familienzentrum am Park, Träger: Diakonie")
    with app.app_context():
        surveys.close_survey(db.session.get(Survey, survey_id))
        db.session.commit()
    page.get_by_role("button", name="Zwischenspeichern").click()
    main = page.inner_text("main")
    assert "ist beendet" in main and "nicht gespeichert" in main
    assert "Familienzentrum am Park, Träger: Diakonie" in main
    _check_narrow(page, "befragung-beendet-eingaben")
    context.close()


def test_logged_out_in_another_tab_the_text_survives_the_login(app, browser, live_server):
    _id, email = make_user(app, "planner")
    with app.app_context():
        survey_id = make_survey(_id, open_it=False).id
    context = browser.new_context(locale="de-DE", viewport=NARROW)
    tab, other = context.new_page(), context.new_page()
    _login(tab, live_server, email)
    tab.goto(f"{live_server}/surveys/{survey_id}/invitations/text")
    text = tab.locator("#invitation_text")
    text.fill(text.input_value() + "\nEin langer Absatz, eine Stunde lang geschrieben.")
    other.goto(f"{live_server}/uebersicht")
    other.get_by_role("button", name="Abmelden").click()
    tab.get_by_role("button", name="Texte speichern").click()
    main = tab.inner_text("main")
    assert "Noch nicht gespeichert" in main and "abgemeldet" in main
    assert "eine Stunde lang geschrieben" in tab.locator("textarea[name='_kept.invitation_text']").input_value()
    _check_narrow(tab, "abgemeldet-eingaben")
    tab.get_by_label("E-Mail-Adresse").fill(email)
    tab.get_by_label("Passwort").fill(PASSWORD)
    tab.get_by_role("button", name="Anmelden und weiter").click()
    tab.get_by_role("button", name="Jetzt speichern").click()
    expect(tab.get_by_text("Die Texte sind gespeichert.")).to_be_visible()
    with app.app_context():
        assert "eine Stunde lang geschrieben" in db.session.get(Survey, survey_id).invitation_text
    context.close()
