"""On a 390 px phone: the respondent saves an answer, passes the survey on to a colleague from the
welcome page, sees where it went; the colleague opens the link from the mail and continues the saved
answers. Screenshots go to $MAIL_SCREENSHOTS when set (to look at them)."""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa

from e2e.walk import sign_in
from factories import deliver, invite, make_survey, token_from_mail
from survey.extensions import db
from survey.models import Invitation, Response

WIDTH = 390


def test_a_respondent_passes_the_survey_on_and_the_colleague_continues(app, browser, live_server, planner, inbox):
    from playwright.sync_api import expect

    from e2e.axe import axe_violations

    with app.app_context():
        token = invite(make_survey(planner[0]), "info@familienzentrum.example", "Familienzentrum Nord")
    deliver(app)
    inbox.clear()
    folder = Path(os.environ.get("MAIL_SCREENSHOTS") or "/nonexistent")
    context = browser.new_context(locale="de-DE", viewport={"width": WIDTH, "height": 800})
    page = context.new_page()
    page.goto(f"{live_server}/r/{token}")
    page.get_by_role("button", name="Befragung beginnen").click()
    page.locator('[name="netzwerk.fokus"]').fill("Übergänge Kita – Grundschule")
    page.get_by_role("button", name="Zwischenspeichern").first.click()
    expect(page.locator("#gespeichert")).to_be_visible()

    page.goto(f"{live_server}/r/{token}")
    page.get_by_text("An eine Kollegin/einen Kollegen weitergeben").click()
    page.get_by_label("E-Mail-Adresse").fill("jana.zustaendig@familienzentrum")  # a typo first
    page.get_by_label("Name der Kollegin/des Kollegen").fill("Jana Zuständig")
    page.get_by_label("Nachricht an sie/ihn (freiwillig)").fill("Du kennst die Zahlen besser – danke!")
    page.get_by_label("Ihr Name (freiwillig)").fill("Olaf Sekretariat")
    page.get_by_role("button", name="Link an die Kollegin/den Kollegen senden").click()
    expect(page.get_by_role("alert")).to_contain_text("keine gültige E-Mail-Adresse")
    expect(page.get_by_label("Nachricht an sie/ihn (freiwillig)")).to_have_value("Du kennst die Zahlen besser – danke!")
    assert axe_violations(page) == []
    if folder.is_dir():
        page.screenshot(path=str(folder / "delegation-error-390.png"), full_page=True)
    page.get_by_label("E-Mail-Adresse").fill("jana.zustaendig@familienzentrum.example")
    page.get_by_role("button", name="Link an die Kollegin/den Kollegen senden").click()
    expect(page.get_by_role("heading", name="Diese Befragung wurde weitergegeben")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Wir schicken Jana Zuständig jetzt einen eigenen Link")
    expect(page.get_by_text("j…@familienzentrum.example")).to_be_visible()
    assert "Übergänge Kita" not in page.content()  # the old link shows no answers
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    if folder.is_dir():
        page.screenshot(path=str(folder / "delegation-old-link-390.png"), full_page=True)
    context.close()

    deliver(app)
    (mail,) = inbox.to("jana.zustaendig@familienzentrum.example")
    body = mail.get_body(("plain",)).get_content()
    assert "Olaf Sekretariat hat Ihnen die Befragung" in body
    new_token = token_from_mail(body)
    colleague = browser.new_context(locale="de-DE", viewport={"width": WIDTH, "height": 800})
    page = colleague.new_page()
    page.set_content(mail.get_body(("html",)).get_content())
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    if folder.is_dir():
        page.screenshot(path=str(folder / "delegation-mail-390.png"), full_page=True)
    page.goto(f"{live_server}/r/{new_token}")
    expect(page.get_by_role("status").first).to_contain_text("Sie haben schon begonnen")
    page.get_by_role("button", name="Weiter ausfüllen").click()
    expect(page.locator('[name="netzwerk.fokus"]')).to_have_value("Übergänge Kita – Grundschule")
    page.locator('[name="netzwerk.fokus"]').fill("Übergänge Kita – Grundschule und Familienbildung")
    page.get_by_role("button", name="Zwischenspeichern").first.click()
    expect(page.locator("#gespeichert")).to_be_visible()
    if folder.is_dir():
        page.screenshot(path=str(folder / "delegation-colleague-390.png"), full_page=True)
    colleague.close()
    with app.app_context():
        (response,) = db.session.scalars(sa.select(Response)).all()
        assert response.draft["netzwerk.fokus"] == ["Übergänge Kita – Grundschule und Familienbildung"]
        invitation = db.session.scalar(sa.select(Invitation))
        detail = f"/surveys/{invitation.survey_id}/invitations/{invitation.id}"

    # The planner sees where the invitation went, and changes the addressee once more (answers kept).
    planner_context = browser.new_context(locale="de-DE", viewport={"width": WIDTH, "height": 800})
    page = planner_context.new_page()
    sign_in(page, live_server, planner[1])
    page.goto(live_server + detail)
    history = page.locator("h2#weitergaben + div table")
    expect(history).to_contain_text("Über den persönlichen Link weitergegeben")
    expect(history).to_contain_text("info@familienzentrum.example")
    expect(history).to_contain_text("Du kennst die Zahlen besser")
    page.get_by_label("Ansprechperson (Name)").fill("Kai Leitung")
    page.get_by_label("E-Mail-Adresse").fill("leitung@familienzentrum.example")
    page.get_by_role("button", name="Empfänger speichern").click()
    expect(page.get_by_role("status").or_(page.locator(".flash-success")).first).to_contain_text(
        "Die bisherigen Antworten bleiben erhalten")
    expect(history).to_contain_text("Empfänger von der Planung geändert")
    assert axe_violations(page) == []
    if folder.is_dir():
        page.screenshot(path=str(folder / "delegation-planner-390.png"), full_page=True)
    planner_context.close()
    with app.app_context():
        assert db.session.scalar(sa.select(Response)).draft["netzwerk.fokus"] == [
            "Übergänge Kita – Grundschule und Familienbildung"]
