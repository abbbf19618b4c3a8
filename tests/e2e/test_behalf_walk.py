"""A planner enters an organisation's answers from a phone call: from the invitation page, the source,
the respondent's pages under the planner's URL, the review and the submission, back to the marked
invitation (empty install via factories; axe-core; no sideways scrolling at 390 px)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from e2e.axe import axe_violations
from e2e.walk import sign_in
from factories import invite, two_page_survey
from survey.extensions import db
from survey.models import AuditEntry, OutboxMessage, Response

pytestmark = pytest.mark.e2e
SHOTS = Path("/tmp/behalf-shots")


def _two_page_survey(user_id: int) -> int:
    survey = two_page_survey(user_id)
    invite(survey, "kita@traeger.example", "Kita Sonnenschein")
    return survey.id


@pytest.mark.parametrize("width", [1280, 390])
def test_a_planner_enters_a_phone_call_from_the_invitation_page_to_the_submission(app, browser, live_server,
                                                                                 planner, width):
    with app.app_context():
        survey_id = _two_page_survey(planner[0])
    SHOTS.mkdir(exist_ok=True)
    context = browser.new_context(locale="de-DE", viewport={"width": width, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()

    def looked_at(name: str) -> None:
        assert axe_violations(page) == [], name
        assert page.evaluate("document.documentElement.scrollWidth") <= width, name
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)

    sign_in(page, live_server, planner[1])
    page.goto(f"{live_server}/surveys/{survey_id}/invitations")
    page.get_by_role("link", name="Kita Sonnenschein").click()
    page.get_by_role("link", name="Antworten im Auftrag erfassen").click()
    expect(page.get_by_role("heading", name="Antworten im Auftrag erfassen")).to_be_visible()
    expect(page.get_by_text("Beim Abschicken geht keine E-Mail an die Organisation")).to_be_visible()
    page.get_by_role("button", name="Antworten erfassen").click()  # no source picked yet
    expect(page.get_by_text("Bitte wählen Sie, woher die Antworten stammen.")).to_be_visible()
    looked_at("1-quelle")
    page.get_by_label("Telefon").check()
    page.get_by_role("button", name="Antworten erfassen").click()

    expect(page.locator("#im-auftrag")).to_contain_text("Sie erfassen die Antworten von Kita Sonnenschein im "
                                                        "Auftrag (Telefon).")
    expect(page.get_by_text("Seite 1 von 2")).to_be_visible()
    page.get_by_label("Stadtteil / Sozialraum").check()
    page.get_by_label("Rund um die Kita").check()
    looked_at("2-seite-1")
    page.get_by_role("button", name="Weiter").click()
    expect(page.get_by_text("Seite 2 von 2")).to_be_visible()
    page.get_by_label("Gibt es einen Fokus des Netzwerks?").fill("Übergang Kita – Grundschule")
    page.get_by_role("button", name="Weiter zur Übersicht").click()

    expect(page.get_by_role("heading", name="Übersicht der Antworten von Kita Sonnenschein")).to_be_visible()
    expect(page.locator("#erfasst")).to_contain_text("(Telefon)")
    expect(page.get_by_label("Bestätigung an die Organisation senden (an kita@traeger.example)")).not_to_be_checked()
    looked_at("3-uebersicht")
    page.get_by_role("button", name="Absenden").click()
    expect(page.get_by_role("heading", name="Abgeschickt")).to_be_visible()
    expect(page.get_by_text("Es geht keine E-Mail an die Organisation.")).to_be_visible()
    looked_at("4-abgeschickt")
    page.get_by_role("link", name="Zurück zur Einladung").first.click()
    expect(page.locator("#erfasst")).to_contain_text("Erfasst von Planner Test am")
    expect(page.locator("#erfasst")).to_contain_text("(Telefon)")
    looked_at("5-einladung")
    context.close()

    with app.app_context():
        response = db.session.scalar(sa.select(Response))
        assert response.answers["netzwerk.fokus"] == "Übergang Kita – Grundschule"
        assert (response.entered_source, response.entered_by_id) == ("phone", planner[0])
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.kind == "confirmation")) == 0
        actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.action.like("answers.%"))).all()
        assert actions[0] == "answers.on_behalf" and actions[-1] == "answers.on_behalf_submitted"
