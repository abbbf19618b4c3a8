"""In the browser: an admin invites a colleague, the colleague sets a password through the mailed
link and lands on the dashboard; axe-core finds no violation on the dashboard, the users admin and
the password pages at 1280 and 390 px. Screenshots go to tests/e2e/screenshots/ for a look."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from e2e.axe import axe_violations
from e2e.walk import sign_in
from factories import PASSWORD, deliver, invite, make_survey, make_user

pytestmark = pytest.mark.e2e

SHOTS = Path(__file__).parent / "screenshots"
NEW_PASSWORD = "Ein Garten voller Bohnen 4"
WIDTHS = (1280, 390)


def _login(page, base: str, email: str, password: str = PASSWORD) -> None:
    sign_in(page, base, email, password)
    expect(page.get_by_role("button", name="Abmelden")).to_be_visible()


def _check(page, name: str) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        violations = axe_violations(page)
        assert not violations, f"{name} at {width} px: {violations}"
        if width == 390:
            SHOTS.mkdir(exist_ok=True)
            page.screenshot(path=str(SHOTS / f"{name}-390.png"), full_page=True)


def test_invite_set_password_dashboard_and_axe(app, browser, live_server, inbox):
    admin_id, admin_email = make_user(app, "admin")
    with app.app_context():
        survey = make_survey(admin_id, title="Netzwerke im Stadtteil Eving")
        for n in range(3):
            invite(survey, f"org{n}@traeger.example", f"Träger {n}")
        make_survey(admin_id, title="Angebote rund um die Kita", open_it=False)
    deliver(app)

    admin = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
    page = admin.new_page()
    _login(page, live_server, admin_email)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Verwaltung")
    page.get_by_role("link", name="Benutzerinnen und Benutzer").click()
    page.get_by_label("E-Mail-Adresse").fill("kollege@musterhausen.example")
    page.get_by_label("Name", exact=True).fill("Konrad Kollege")
    page.get_by_label("Telefon (freiwillig)").fill("0231 50-0")
    page.get_by_label("Rolle", exact=True).select_option("planner")
    page.get_by_role("button", name="Einladen").click()
    expect(page.get_by_role("status")).to_contain_text("Konrad Kollege ist eingeladen")
    _check(page, "users")
    page.get_by_role("link", name="Bearbeiten (Konrad Kollege)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Konrad Kollege bearbeiten")
    _check(page, "user-edit")

    page.goto(f"{live_server}/uebersicht")
    expect(page.get_by_role("link", name="Einladungen versenden")).to_have_count(0)
    _check(page, "dashboard")
    page.goto(f"{live_server}/konto/passwort")
    _check(page, "change-password")
    page.goto(f"{live_server}/konto")
    _check(page, "account")
    admin.close()

    deliver(app)
    text = inbox.to("kollege@musterhausen.example")[-1].get_body(("plain",)).get_content()
    link = re.search(r"http://127\.0\.0\.1:5000(/passwort/\S+)", text).group(1)
    colleague = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
    page = colleague.new_page()
    page.goto(live_server + link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Passwort festlegen")
    _check(page, "set-password")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_label("Neues Passwort", exact=True).fill("zu-kurz")
    page.get_by_label("Neues Passwort wiederholen").fill("zu-kurz")
    page.get_by_role("button", name="Passwort speichern und anmelden").click()
    expect(page.locator("#password-error")).to_contain_text("mindestens 10 Zeichen")
    expect(page.get_by_label("Neues Passwort", exact=True)).to_have_attribute("aria-invalid", "true")
    _check(page, "set-password-error")
    page.get_by_label("Neues Passwort", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Neues Passwort wiederholen").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Passwort speichern und anmelden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Übersicht")
    expect(page.get_by_role("link", name="Verwaltung")).to_have_count(0)
    expect(page.get_by_text("Netzwerke im Stadtteil Eving")).to_be_visible()
    colleague.close()

    anonymous = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
    page = anonymous.new_page()
    page.goto(f"{live_server}/")
    page.get_by_role("link", name="Passwort vergessen?").click()
    _check(page, "forgot")
    page.get_by_label("E-Mail-Adresse").fill("kollege@musterhausen.example")
    page.get_by_role("button", name="Link anfordern").click()
    expect(page.get_by_role("status")).to_contain_text("Wenn es ein Konto")
    _check(page, "forgot-sent")
    page.goto(live_server + link)  # used up
    expect(page.get_by_role("alert")).to_contain_text("schon benutzt")
    _check(page, "link-invalid")
    anonymous.close()
