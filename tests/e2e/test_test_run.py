"""The Probelauf in a browser: the planner sends a draft to a colleague, the test mail arrives, the
colleague answers on a phone, the planner sees the marked results, opens the survey after the
confirmation and the test answers are gone. Screenshots go to tests/e2e/screenshots/ for a look."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from e2e.axe import axe_violations
from e2e.walk import sign_in
from factories import deliver, make_survey, make_user, token_from_mail

pytestmark = pytest.mark.e2e

SHOTS = Path(__file__).parent / "screenshots"
COLLEAGUE = "kollegin@musterhausen.example"


def _shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"probelauf-{name}.png"), full_page=True)


def test_planner_tests_a_draft_with_a_colleague_and_starts_clean(app, browser, live_server, planner, inbox):
    make_user(app, "analyst", email=COLLEAGUE)
    with app.app_context():
        survey_id = make_survey(planner[0], open_it=False, title="Netzwerke im Stadtteil").id

    planner_context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
    page = planner_context.new_page()
    sign_in(page, live_server, planner[1])
    page.goto(f"{live_server}/surveys/{survey_id}")
    page.get_by_role("link", name="Probelauf", exact=True).click()
    expect(page.get_by_label(f"Planner Test ({planner[1]})")).to_be_checked()  # the planner tests too
    page.get_by_label(f"Analyst Test ({COLLEAGUE})").check()
    page.get_by_label(re.compile("Weitere E-Mail-Adressen")).fill("Eva Extern <eva@beispiel.example>")
    page.get_by_role("button", name="Test-Einladungen verschicken").click()
    expect(page.locator(".flash-success")).to_contain_text("3 Test-Einladungen werden jetzt verschickt")
    assert axe_violations(page) == []
    _shot(page, "planner-1280")

    expect(page.get_by_label(f"Planner Test ({planner[1]})")).not_to_be_checked()  # already in

    deliver(app)
    [mail] = inbox.to(COLLEAGUE)
    assert mail["Subject"].startswith("[Probelauf] ")
    token = token_from_mail(mail.get_body(("plain",)).get_content())
    reader = browser.new_context(locale="de-DE", viewport={"width": 360, "height": 740}).new_page()
    reader.set_content(mail.get_body(("html",)).get_content())  # the mail as a phone's mail client shows it
    expect(reader.get_by_text("Dies ist eine Test-Einladung.")).to_be_visible()
    _shot(reader, "mail-360")
    reader.context.close()

    phone = browser.new_context(locale="de-DE", viewport={"width": 390, "height": 844})
    respondent = phone.new_page()
    respondent.goto(f"{live_server}/r/{token}")
    expect(respondent.locator("#probelauf-hinweis")).to_contain_text("noch nicht geöffnet")
    assert axe_violations(respondent) == []
    _shot(respondent, "welcome-390")
    respondent.get_by_role("button", name="Befragung beginnen").click()
    respondent.get_by_label("Stadtteil / Sozialraum").check()
    respondent.get_by_label("Rund um die Kita").check()
    respondent.get_by_label(re.compile("Gibt es einen Fokus")).fill("Nur ein Test")
    assert respondent.evaluate("document.documentElement.scrollWidth") <= 390
    _shot(respondent, "page-390")
    respondent.get_by_role("button", name="Weiter zur Übersicht").click()
    respondent.get_by_role("button", name="Absenden").click()
    expect(respondent.get_by_role("heading", level=1)).to_have_text("Vielen Dank!")
    phone.close()

    page.goto(f"{live_server}/results/{survey_id}")
    expect(page.locator("#probelauf")).to_contain_text("Enthält 1 Antwort aus dem Probelauf.")
    assert axe_violations(page) == []
    _shot(page, "results-1280")

    page.goto(f"{live_server}/surveys/{survey_id}")
    expect(page.locator("#probelauf")).to_contain_text("3 Test-Einladungen")
    page.get_by_role("link", name="Befragung öffnen").click()
    expect(page.locator("#probelauf-loeschen")).to_contain_text("1 Test-Antwort, davon 1 abgeschickt")
    assert axe_violations(page) == []
    _shot(page, "open-confirm-1280")
    page.get_by_role("button", name="Probelauf löschen und Befragung öffnen").click()
    expect(page.locator(".flash-success")).to_contain_text(
        "Der Probelauf ist gelöscht: 3 Test-Einladungen und 1 Test-Antwort.")
    _shot(page, "opened-1280")

    page.goto(f"{live_server}/results/{survey_id}")
    expect(page.locator("p.lead")).to_contain_text("0 Antworten")
    assert page.locator("#probelauf").count() == 0
    planner_context.close()

    gone = browser.new_context(locale="de-DE", viewport={"width": 390, "height": 844})
    again = gone.new_page()
    assert again.goto(f"{live_server}/r/{token}").status == 404
    gone.close()
