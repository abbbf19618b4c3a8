"""A planner walks the lifecycle's confirmation pages: the dashboard's notice that a survey closes
itself, "Alle erinnern" skipping a recent reminder, opening refused without a privacy notice,
closing, reopening, archiving and deleting with the typed title (axe-core on each page)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from e2e.axe import axe_violations
from e2e.walk import sign_in
from factories import deliver, invite, make_survey
from questionnaires import formatting as fmt
from survey.extensions import db
from survey.models import Invitation, Survey
from survey.services import surveys

pytestmark = pytest.mark.e2e
SHOTS = Path("/tmp/lifecycle-shots")


def test_a_planner_reads_what_each_lifecycle_step_will_do_before_it_happens(app, browser, live_server, planner):
    tomorrow = fmt.local(dt.datetime.now(dt.UTC)).date() + dt.timedelta(days=1)
    with app.app_context():
        survey = make_survey(planner[0], open_it=False, title="Netzwerke 2026")
        survey.deadline = tomorrow
        surveys.open_survey(survey)
        db.session.commit()
        for name in ("Kita Nord", "Hort Süd", "Verein Ost"):
            invite(survey, f"{name.split()[0].lower()}@traeger.example", name)
        draft = make_survey(planner[0], open_it=False, title="Entwurf ohne Datenschutz")
        draft.privacy_notice = ""
        db.session.commit()
        survey_id, draft_id = survey.id, draft.id
    deliver(app)
    with app.app_context():
        hort = db.session.scalar(sa.select(Invitation).where(Invitation.organisation == "Hort Süd"))
        hort.reminded_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
        db.session.commit()
    SHOTS.mkdir(exist_ok=True)
    context = browser.new_context(locale="de-DE", viewport={"width": 1000, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()

    def looked_at(name: str) -> None:
        assert axe_violations(page) == []
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    sign_in(page, live_server, planner[1])
    page.goto(f"{live_server}/uebersicht")
    expect(page.locator(f"#schliesst-{survey_id}")).to_contain_text(
        f"„Netzwerke 2026“ wird am {fmt.date(tomorrow)} um 24:00 Uhr automatisch abgeschlossen.")
    looked_at("1-uebersicht")
    page.locator(f"#schliesst-{survey_id}").get_by_role("link", name="Noch einmal erinnern …").click()
    expect(page.locator("#erinnern-summe")).to_have_text(
        "2 Organisationen werden erinnert, 1 übersprungen – in den letzten 7 Tagen schon erinnert.")
    expect(page.get_by_role("cell", name="Hort Süd")).to_be_visible()
    looked_at("2-alle-erinnern")
    page.get_by_role("button", name="2 Erinnerungen verschicken").click()
    expect(page.locator(".flash-success")).to_contain_text("2 Erinnerungen werden jetzt verschickt. 1 Organisation "
                                                           "wurde übersprungen")

    page.goto(f"{live_server}/surveys/{draft_id}")
    page.get_by_role("button", name="Befragung öffnen").click()
    expect(page.get_by_role("alert")).to_contain_text("noch keinen Hinweis zum Datenschutz")
    expect(page.get_by_role("button", name="Befragung öffnen")).to_have_count(0)
    looked_at("3-oeffnen-verweigert")

    page.goto(f"{live_server}/surveys/{survey_id}")
    expect(page.get_by_text("die Befragung wird an diesem Tag um 24:00 Uhr automatisch abgeschlossen")).to_be_visible()
    page.get_by_role("button", name="Befragung abschließen").click()
    expect(page.get_by_text("3 Organisationen haben noch nichts gespeichert")).to_be_visible()
    looked_at("4-abschliessen")
    page.get_by_role("button", name="Befragung jetzt abschließen").click()
    expect(page.locator(".flash-success")).to_contain_text("Die Befragung ist abgeschlossen.")

    page.get_by_role("button", name="Wieder öffnen").click()
    expect(page.get_by_role("group")).to_contain_text("0 Organisationen haben bereits abgeschickt")
    looked_at("5-wieder-oeffnen")
    page.get_by_role("button", name="Befragung wieder öffnen").click()
    expect(page.locator(".flash-success")).to_contain_text("Die Befragung ist wieder geöffnet.")

    page.get_by_role("button", name="Befragung abschließen").click()
    page.get_by_role("button", name="Befragung jetzt abschließen").click()
    page.get_by_role("button", name="Archivieren").click()
    expect(page.get_by_role("heading", name="Archiv")).to_be_visible()
    expect(page.get_by_role("link", name="Netzwerke 2026")).to_be_visible()
    looked_at("6-archiv")
    page.get_by_role("link", name="Netzwerke 2026").click()
    page.get_by_role("link", name="Löschen …").click()
    expect(page.get_by_text("3 Einladungen mit Adressen und Links")).to_be_visible()
    looked_at("7-loeschen")
    page.get_by_role("link", name="Weiter zum Löschen").click()
    page.get_by_label("Zur Bestätigung den Titel der Befragung eingeben").fill("Netzwerke 2026")
    page.get_by_role("button", name="Befragung endgültig löschen").click()
    expect(page.locator(".flash-success")).to_contain_text("Die Befragung „Netzwerke 2026“ ist gelöscht")
    looked_at("8-geloescht")
    with app.app_context():
        assert db.session.get(Survey, survey_id) is None
    context.close()
