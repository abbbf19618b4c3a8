"""A planner closes a survey, reads when its contact data will be deleted, and deletes it at once
after a page that says what goes and what stays (axe-core, no sideways scrolling at 390 px)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from e2e.axe import axe_violations
from e2e.walk import sign_in
from factories import make_survey
from survey.extensions import db
from survey.models import Invitation, User
from survey.services import actors as actor_service
from survey.services import invitations

pytestmark = pytest.mark.e2e
SHOTS = Path("/tmp/retention-shots")


def test_a_planner_deletes_a_closed_surveys_contact_data_after_reading_what_goes(app, browser, live_server, planner):
    with app.app_context():
        survey = make_survey(planner[0])
        invitations.invite(survey, "kerstin@kita.example", organisation="Kita Sonnenschein",
                           contact_name="Kerstin Kita")
        db.session.commit()
        survey_id = survey.id
    SHOTS.mkdir(exist_ok=True)
    context = browser.new_context(locale="de-DE", viewport={"width": 390, "height": 844})
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in(page, live_server, planner[1])
    page.goto(f"{live_server}/surveys/{survey_id}")
    page.get_by_role("button", name="Befragung abschließen").click()
    page.get_by_role("button", name="Befragung jetzt abschließen").click()
    expect(page.get_by_text("Die Befragung ist abgeschlossen. Namen und E-Mail-Adressen der Ansprechpersonen "
                            "werden am")).to_be_visible()
    expect(page.locator("#kontaktdaten")).to_contain_text("(183 Tage nach dem Abschluss)")
    page.get_by_role("link", name="Kontaktdaten jetzt löschen").click()
    expect(page.get_by_role("heading", name="Kontaktdaten löschen")).to_be_visible()
    expect(page.get_by_text("Das lässt sich nicht rückgängig machen.")).to_be_visible()
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SHOTS / "bestaetigen-390.png"), full_page=True)
    page.get_by_role("button", name="Kontaktdaten jetzt endgültig löschen").click()
    expect(page.get_by_text("Die Kontaktdaten sind gelöscht (Einladungen: 1, gespeicherte E-Mails: 1)")).to_be_visible()
    expect(page.locator("#kontaktdaten")).to_contain_text("wurden am")
    assert axe_violations(page) == []
    page.screenshot(path=str(SHOTS / "geloescht-390.png"), full_page=True)
    with app.app_context():
        assert db.session.scalars(sa.select(Invitation.email).where(Invitation.survey_id == survey_id)).all() == [""]
        user = db.session.get(User, planner[0])
        actor_service.save(user.kommune, actor_service.ActorData(name="Jugendtreff", contact_name="Jonas Treff",
                                                                email="jonas@treff.example"))
        db.session.commit()
    # The register says until when each contact person is kept, and confirming is one click.
    page.goto(f"{live_server}/actors")
    expect(page.get_by_text("gelöscht ohne Bestätigung am")).to_be_visible()
    page.get_by_role("button", name="Kontakt bestätigen: Jugendtreff").click()
    expect(page.get_by_text("Die Ansprechperson von „Jugendtreff“ ist bestätigt.")).to_be_visible()
    assert axe_violations(page) == []
    page.screenshot(path=str(SHOTS / "akteure-390.png"), full_page=True)
    context.close()
