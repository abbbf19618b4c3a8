"""The admin's Kommune pages in a real browser: settings and districts pass axe-core at 1280 and 390 px."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import expect

from e2e.axe import axe_violations
from e2e.walk import sign_in
from factories import make_user

SHOTS = Path(os.environ.get("LUECKENLOS_SHOTS", "/tmp/lueckenlos-shots"))


def _login(page, live_server, email):
    sign_in(page, live_server, email)
    expect(page.get_by_role("button", name="Abmelden")).to_be_visible()


def test_settings_and_districts_pages_pass_axe_and_fit_small_screens(app, page, live_server):
    _id, email = make_user(app, "admin", kommune="Kreis Düren", email="admin@kreis-dueren.example")
    _login(page, live_server, email)
    # Fill the settings as an admin would, with one mistake: the page keeps every entry and says why.
    page.goto(live_server + "/admin/einstellungen")
    page.fill("#type_word", "Kreis")
    page.fill("#sender_name", "Kreis Düren – Präventionskette")
    page.fill("#imprint_url", "www.kreis-dueren.de/impressum")
    page.get_by_role("button", name="Speichern").click()
    assert "mit https:// beginnt" in page.inner_text("main")
    assert page.input_value("#sender_name") == "Kreis Düren – Präventionskette"
    page.fill("#imprint_url", "https://www.kreis-dueren.de/impressum")
    page.get_by_role("button", name="Speichern").click()
    assert "Die Einstellungen sind gespeichert." in page.inner_text("main")
    assert "Eine Befragung des Kreises Düren." in page.inner_text("main")
    # Districts by paste, with a duplicate and a blank line reported.
    page.goto(live_server + "/admin/stadtteile")
    page.fill("#liste-names", "Aldenhoven\nJülich\n\nKreuzau\njülich\nLangerwehe")
    page.click("text=Alle anlegen")
    report = page.inner_text("#report")
    assert "Aldenhoven" in report and "„jülich“ steht schon in Zeile 2" in report and "Zeile 3: leer" in report
    page.get_by_role("button", name="Stilllegen (Jülich)").click()
    assert "stillgelegt" in page.inner_text("main")

    SHOTS.mkdir(parents=True, exist_ok=True)
    problems = {}
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        for path, name in (("/admin/einstellungen", "einstellungen"), ("/admin/stadtteile", "stadtteile")):
            page.goto(live_server + path)
            if violations := axe_violations(page):
                problems[(width, path)] = violations
            overflow = page.evaluate("document.documentElement.scrollWidth")
            assert overflow <= width, f"{path} scrolls sideways at {width} px ({overflow} px)"
            page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    assert problems == {}


def test_respondent_sees_the_kommune_with_article_its_links_and_the_privacy_notice(app, page, live_server):
    from factories import invite, make_survey
    from survey.extensions import db
    from survey.models import User

    user_id, _email = make_user(app, "admin", kommune="Kreis Düren", email="admin@kreis-dueren.example")
    with app.app_context():
        kommune = db.session.get(User, user_id).kommune
        kommune.imprint_url = "https://www.kreis-dueren.de/impressum"
        kommune.privacy_url = "https://www.kreis-dueren.de/datenschutz"
        kommune.accessibility_url = "https://www.kreis-dueren.de/barrierefreiheit"
        db.session.commit()
        survey = make_survey(user_id, open_it=False)
        import re

        from survey.services.surveys import SurveyError, open_survey

        survey.privacy_notice = db.session.get(User, user_id).kommune.privacy_default
        try:
            open_survey(survey)
        except SurveyError as error:  # the template's [Stellen] must be completed first
            assert "[Amt/Fachbereich, Anschrift]" in str(error)
        survey.privacy_notice = re.sub(r"\[[^\]]*\]", "Jugendamt", survey.privacy_notice)
        open_survey(survey)
        db.session.commit()
        token = invite(survey)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server}/r/{token}")
        text = page.inner_text("body")
        assert "Eine Befragung des Kreises Düren" in text
        assert "Verantwortlich für diese Befragung ist der Kreis Düren, Jugendamt" in text
        for name in ("Impressum", "Datenschutzerklärung", "Barrierefreiheit"):
            expect(page.get_by_role("navigation", name="Rechtliches").get_by_role("link", name=name)).to_be_visible()
        assert axe_violations(page) == []
        page.screenshot(path=str(SHOTS / f"willkommen-{width}.png"), full_page=True)
