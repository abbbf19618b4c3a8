"""Coding free text in a browser: from the results page the planner codes five spellings of two topics
into two categories (a new category from ticked texts, a suggestion accepted) and sees the chart count
the categories. Screenshots and the chart go to tests/e2e/screenshots/ for a look."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from e2e.axe import axe_violations
from e2e.walk import sign_in
from factories import make_survey
from survey.extensions import db
from survey.services import invitations as invitation_service
from survey.services import responses as response_service

pytestmark = pytest.mark.e2e

SHOTS = Path(__file__).parent / "screenshots"
KEY = "netzwerk.themen"
TOPICS = [["Übergang Kita – Schule", "Sprachförderung"], ["Übergang Kita-Schule", "Sprachfördrung"],
          ["Übergang Kita–Grundschule"], ["uebergang kita-schule", "Elternarbeit"]]


def test_planner_codes_spellings_and_the_chart_counts_categories(app, page, live_server, planner):
    with app.app_context():
        survey = make_survey(planner[0], keys=[KEY], title="Netzwerke im Stadtteil")
        for n, topics in enumerate(TOPICS):
            invitation, _token = invitation_service.invite(survey, f"org{n}@traeger.example", organisation=f"Org {n}")
            response = response_service.start(invitation)
            response.draft = {f"{KEY}/{i}": [t] for i, t in enumerate(topics)}
            assert response_service.submit(response) == {}
        db.session.commit()
        survey_id = survey.id
    SHOTS.mkdir(exist_ok=True)

    sign_in(page, live_server, planner[1])
    page.goto(f"{live_server}/results/{survey_id}")
    chart = f"{live_server}/results/{survey_id}/chart/{KEY}.png"
    before = page.request.get(chart, timeout=60_000).body()
    (SHOTS / "kodierung-diagramm-vorher.png").write_bytes(before)

    page.get_by_role("link", name="Antworten in Kategorien ordnen").click()
    expect(page.locator("#coding-summary")).to_contain_text("5 verschiedene Texte")
    page.get_by_label("Übergang Kita – Schule", exact=True).check()
    page.get_by_label("Übergang Kita–Grundschule", exact=True).check()
    page.get_by_label("Kategorie", exact=True).select_option(label="Neue Kategorie (Name unten)")
    page.get_by_label("Name der neuen Kategorie").fill("Übergänge")
    page.get_by_role("button", name="Zuordnen").click()
    expect(page.locator(".flash-success")).to_contain_text("2 Texte der Kategorie „Übergänge“ zugeordnet.")

    page.get_by_label("Sprachförderung", exact=True).check()
    page.get_by_label("Name der neuen Kategorie").fill("Sprache")
    page.get_by_label("Kategorie", exact=True).select_option(label="Neue Kategorie (Name unten)")
    page.get_by_role("button", name="Zuordnen").click()
    expect(page.locator(".flash-success")).to_contain_text("„Sprache“")

    suggestion = page.locator("#coding-suggestions tr", has_text="Sprachfördrung")
    expect(suggestion).to_contain_text("Sprache")
    page.screenshot(path=str(SHOTS / "kodierung-seite-1280.png"), full_page=True)
    assert axe_violations(page) == []
    suggestion.get_by_role("button", name="Annehmen").click()
    expect(page.locator(".flash-success")).to_contain_text("Vorschlag angenommen")
    expect(page.locator("#coding-summary")).to_contain_text("davon 1 nicht zugeordnet")

    page.get_by_role("link", name="Ergebnisse").first.click()
    figure = page.locator(f"#chart-{KEY.replace('.', '-')}")
    expect(figure).to_contain_text("Übergänge")
    expect(figure).to_contain_text("nicht zugeordnet")
    after = page.request.get(chart, timeout=60_000).body()
    (SHOTS / "kodierung-diagramm-nachher.png").write_bytes(after)
    assert after.startswith(b"\x89PNG") and after != before
    figure.screenshot(path=str(SHOTS / "kodierung-ergebnis-1280.png"))
