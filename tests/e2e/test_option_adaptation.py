"""A planner adapts the scope question of a follow-up wave (adds "Stadtbezirk", hides "Kreis", rewords
"Stadtteil / Sozialraum"), a respondent answers on a phone, the next wave carries the adaptation, and the
wave comparison and the codebook say what was added and hidden. Screenshots in /tmp/options-shots."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from e2e.axe import axe_violations
from e2e.walk import sign_in
from factories import invite, make_survey
from survey.extensions import db
from survey.models import Survey, User
from survey.services import invitations, responses, surveys, waves

pytestmark = pytest.mark.e2e
SHOTS = Path("/tmp/options-shots")
KEY = "netzwerk.wirkungskreis"


def _answered_first_wave(app, planner) -> tuple[int, int]:
    """Wave 2025 (answered "Kreis" twice and "Quartier" once) and its follow-up draft 2026."""
    with app.app_context():
        first = make_survey(planner[0], [KEY], title="Netzwerke 2025")
        for n, code in enumerate(["kreis", "kreis", "quartier"]):
            invitation, _token = invitations.invite(first, f"org{n}@traeger.example", organisation=f"Netzwerk {n}")
            response = responses.start(invitation)
            response.draft = {KEY: [code]}
            assert responses.submit(response) == {}
        db.session.commit()
        user = db.session.get(User, planner[0])
        second = waves.create_follow_up(first, user, app.extensions["catalogue"], "Netzwerke 2026").survey
        db.session.commit()
        return first.id, second.id


def test_options_adapted_in_a_wave_are_answered_on_a_phone_carried_on_and_compared(app, browser, live_server,
                                                                                     planner):
    _first_id, second_id = _answered_first_wave(app, planner)
    SHOTS.mkdir(exist_ok=True)
    desk = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
    desk.set_default_timeout(10_000)
    page = desk.new_page()
    sign_in(page, live_server, planner[1])
    page.goto(f"{live_server}/surveys/{second_id}")
    page.get_by_role("link", name="Antworten anpassen: Auf welchen Wirkungskreis").click()
    expect(page.get_by_role("heading", name="Antworten für diese Befragung anpassen")).to_be_visible()
    page.get_by_label("Neue Antworten").fill("Stadtbezirk")
    page.get_by_label("Antwort 2", exact=False).fill("Stadtteil")
    page.locator("#hide-kreis").check()
    page.get_by_label("Platz der neuen Antworten").select_option("stadtteil")
    assert axe_violations(page) == []
    page.screenshot(path=str(SHOTS / "antworten-anpassen.png"), full_page=True)
    page.get_by_role("button", name="Speichern").click()
    expect(page.locator(".flash-success")).to_contain_text("1 neue Antwort ergänzt")
    expect(page.locator(".options-note")).to_contain_text("Ergänzt: „Stadtbezirk“. Ausgeblendet: „Kreis“.")
    page.screenshot(path=str(SHOTS / "fragebogen.png"), full_page=True)
    with app.app_context():
        second = db.session.get(Survey, second_id)
        surveys.open_survey(second)
        db.session.commit()
        token = invite(second, "nord@traeger.example", "Netzwerk Nord")

    phone = browser.new_context(locale="de-DE", viewport={"width": 390, "height": 844})
    phone.set_default_timeout(10_000)
    respondent = phone.new_page()
    respondent.goto(f"{live_server}/r/{token}")
    respondent.get_by_role("button", name="Befragung beginnen").click()
    expect(respondent.get_by_label("Stadtteil", exact=True)).to_be_visible()
    expect(respondent.get_by_label("Kreis", exact=True)).to_have_count(0)
    expect(respondent.locator(".choice label")).to_have_text(
        ["Quartier", "Stadtteil", "Stadtbezirk", "Gesamtstadt / Gemeinde", "Überregional"])
    respondent.get_by_label("Stadtbezirk").check()
    respondent.screenshot(path=str(SHOTS / "telefon.png"), full_page=True)
    respondent.get_by_role("button", name="Weiter zur Übersicht").click()
    respondent.get_by_role("button", name="Absenden").click()
    expect(respondent.get_by_role("heading", level=1)).to_have_text("Vielen Dank!")
    phone.close()

    # The comparison 2025 → 2026 notes what changed; the codebook says where each option comes from.
    page.goto(f"{live_server}/waves/{second_id}/vergleich")
    note = page.locator("#chart-frage-netzwerk\\.wirkungskreis .chart-note")
    expect(note).to_have_text("Antworten in 2026: ergänzt „Stadtbezirk“ (nicht im Katalog); ausgeblendet „Kreis“ "
                              "(nicht mehr angeboten, daher ohne Wert).")
    note.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "vergleich.png"))
    codebook = page.request.get(f"{live_server}/results/{second_id}/codebuch.csv").text().lstrip("\ufeff")
    origin = {r["code"]: r["Herkunft der Antwort"] for r in csv.DictReader(io.StringIO(codebook), delimiter=";")
              if r["key"] == KEY and r["role"] == "option"}
    assert origin == {"quartier": "Katalog", "stadtteil": "Katalog", "gesamtstadt": "Katalog",
                      "kreis": "Katalog; ausgeblendet", "ueberregional": "Katalog",
                      "lokal_stadtbezirk": "in dieser Befragung ergänzt"}

    # The next wave starts with the adaptation.
    with app.app_context():
        user = db.session.get(User, planner[0])
        second = db.session.get(Survey, second_id)
        surveys.close_survey(second)
        third = waves.create_follow_up(second, user, app.extensions["catalogue"], "Netzwerke 2027").survey
        db.session.commit()
        third_id = third.id
    page.goto(f"{live_server}/surveys/{third_id}")
    expect(page.locator(".options-note")).to_contain_text("Ergänzt: „Stadtbezirk“. Ausgeblendet: „Kreis“.")
    page.get_by_role("link", name="Antworten anpassen: Auf welchen Wirkungskreis").click()
    expect(page.locator("#hide-kreis")).to_be_checked()
    expect(page.locator("#label-stadtteil")).to_have_value("Stadtteil")
    expect(page.locator("#label-lokal_stadtbezirk")).to_have_value("Stadtbezirk")
    desk.close()
