"""A respondent on a phone pastes too much into one field: the other answers are saved, the long
text stays in its field with the limit beside it, and once shortened it is saved too."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from e2e.allkinds import make_all_kinds_survey
from e2e.axe import axe_violations
from factories import invite
from survey.extensions import db
from survey.models import Response

pytestmark = pytest.mark.e2e
SHOTS = Path("/tmp/respondent-limits")
PHONE = {"width": 390, "height": 844}


def test_an_over_long_answer_on_a_phone_is_kept_with_its_limit_and_the_rest_is_saved(app, browser, live_server,
                                                                                     planner):
    with app.app_context():
        token = invite(make_all_kinds_survey(planner[0], actors=3))
    context = browser.new_context(locale="de-DE", viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    SHOTS.mkdir(exist_ok=True)
    page.goto(f"{live_server}/r/{token}")
    page.get_by_role("button", name="Befragung beginnen").click()
    expect(page.get_by_text("Seite 1 von 4")).to_be_visible()

    name = page.get_by_label("Wie heißt Ihre Einrichtung?")
    expect(page.locator("#f-akteur-name-limit")).to_have_text("Höchstens 300 Zeichen.")
    pasted = "Kita Sonnenschein – " + "Familienzentrum im Stadtteil, " * 12  # 380 characters
    name.fill(pasted)
    staff = page.locator('.q[data-key="akteur.mitarbeitende"] input')
    staff.fill("12")
    page.get_by_role("button", name="Zwischenspeichern").click()

    summary = page.locator("#fehler")
    expect(summary).to_contain_text("Nicht gespeichert: eine Angabe über der Höchstlänge")
    expect(summary).to_contain_text("Alles andere auf dieser Seite ist gespeichert")
    expect(page.locator("#f-akteur-name-error")).to_have_text(
        f"Nicht gespeichert: Bitte höchstens 300 Zeichen eingeben (jetzt: {len(pasted)} Zeichen).")
    expect(name).to_have_value(pasted)  # nothing typed is lost
    expect(name).to_have_attribute("aria-invalid", "true")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert axe_violations(page) == []
    page.screenshot(path=str(SHOTS / "zu-lang-390.png"), full_page=True)
    with app.app_context():
        draft = db.session.scalar(sa.select(Response.draft))
    assert draft["akteur.mitarbeitende"] == ["12"] and "akteur.name" not in draft

    # Shortened, it is saved; the number saved before is still there.
    name.fill(pasted[:290])
    page.get_by_role("button", name="Zwischenspeichern").click()
    expect(page.get_by_text(re.compile(r"Gespeichert um \d\d:\d\d"))).to_be_visible()
    page.reload()
    expect(page.get_by_label("Wie heißt Ihre Einrichtung?")).to_have_value(pasted[:290])
    expect(page.locator('.q[data-key="akteur.mitarbeitende"] input')).to_have_value("12")
    context.close()
