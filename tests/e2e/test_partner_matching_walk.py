"""On a 390 px phone a member types a partner's name and picks the register's suggestion (as-you-type);
the planner then assigns a name another member typed, and the network figures on the page change.
Screenshots go to $MAIL_SCREENSHOTS when set (to look at them)."""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa

from e2e.walk import sign_in
from factories import make_survey
from survey.extensions import db
from survey.models import Invitation, Response, User, utc_now
from survey.services import actors as actor_service
from survey.services import invitations

WIDTH = 390
KEY = "kooperation.partner"
HUB = "Städt. Kita Eving"


def _world(app, planner):
    with app.app_context():
        kommune = db.session.get(User, planner[0]).kommune
        names = [HUB, "Jugendamt Eving", "Grundschule Nord", "Familienzentrum Süd"]
        register = {n: actor_service.save(kommune, actor_service.ActorData(name=n, sector="kita")) for n in names}
        survey = make_survey(planner[0], keys=[KEY], title="Netzwerk Eving 2026")
        tokens = {n: invitations.invite(survey, f"{a.id}@eving.example", actor=a)[1] for n, a in register.items()
                  if n != HUB}
        db.session.flush()
        answered = {"Jugendamt Eving": [{"actor": register[HUB].code, "name": HUB}],
                    "Familienzentrum Süd": [{"actor": "", "name": "Kita Eving (städtisch)"},
                                            {"actor": register["Jugendamt Eving"].code, "name": "Jugendamt Eving"}]}
        for name, partners in answered.items():
            invitation = db.session.scalar(sa.select(Invitation).where(Invitation.actor_id == register[name].id))
            db.session.add(Response(survey_id=survey.id, invitation_id=invitation.id, draft={},
                                    answers={KEY: partners}, submitted_at=utc_now()))
            invitation.submitted_at = utc_now()
        db.session.commit()
        return survey.id, tokens["Grundschule Nord"]


def test_partner_typed_picked_and_assigned_changes_the_network(app, browser, live_server, planner):
    from playwright.sync_api import expect

    from e2e.axe import axe_violations

    survey_id, token = _world(app, planner)
    folder = Path(os.environ.get("MAIL_SCREENSHOTS") or "/nonexistent")
    phone = browser.new_context(locale="de-DE", viewport={"width": WIDTH, "height": 800})
    page = phone.new_page()
    page.goto(f"{live_server}/r/{token}")
    page.get_by_role("button", name="Befragung beginnen").click()
    page.get_by_label("Organisation nicht in der Liste? Name hier eintragen").fill("Staedtische Kita in Eving")
    suggestion = page.get_by_role("button", name=f"{HUB} wählen")
    expect(suggestion).to_be_visible()
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    if folder.is_dir():
        page.screenshot(path=str(folder / "partner-suggestion-390.png"), full_page=True)
    suggestion.click()
    expect(page.get_by_role("status").first).to_contain_text("Die Partner sind hinzugefügt")
    with app.app_context():
        draft = db.session.scalar(sa.select(Response).where(Response.submitted_at.is_(None))).draft
        assert draft[f"{KEY}/0/name"] == [HUB] and draft[f"{KEY}/0/actor"][0].startswith("a")
    phone.close()

    desk = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
    page = desk.new_page()
    sign_in(page, live_server, planner[1])
    page.goto(f"{live_server}/surveys/{survey_id}/partner-abgleich")
    figures = page.locator("#network-figures")
    expect(figures.locator('[data-figure="actors"]')).to_have_text("5")
    density_before = figures.locator('[data-figure="density"]').inner_text()
    card = page.get_by_role("region", name="„Kita Eving (städtisch)“")
    first = card.get_by_role("button", name=f"„{HUB}“ zuordnen")
    expect(first).to_be_visible()
    assert axe_violations(page) == []
    if folder.is_dir():
        page.screenshot(path=str(folder / "partner-matching-before.png"), full_page=True)
    first.click()
    expect(page.get_by_role("status").first).to_contain_text(f"„Kita Eving (städtisch)“ ist jetzt „{HUB}“ zugeordnet")
    expect(figures.locator('[data-figure="actors"]')).to_have_text("4")
    assert figures.locator('[data-figure="density"]').inner_text() != density_before
    expect(page.locator("#decided")).to_contain_text(HUB)
    if folder.is_dir():
        page.screenshot(path=str(folder / "partner-matching-after.png"), full_page=True)
    desk.close()
