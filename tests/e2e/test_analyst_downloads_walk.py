"""An analyst filters the results to a district with one organisation and tries every download:
the page says the rule, row downloads are refused with a German message, nothing names anyone.
The planner shares rows in the survey settings first (the refusal then is the filter's)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from e2e.walk import sign_in
from factories import make_user
from test_analyst_rows import KEYS, ORGS, SECRETS, _answer  # the same four organisations

pytestmark = pytest.mark.e2e
SHOTS = [Path(__file__).parent / "screenshots", Path("/tmp/analyst-rows")]


def _shot(page, name: str, element=None) -> None:
    for folder in SHOTS:
        folder.mkdir(parents=True, exist_ok=True)
        if element is not None:
            element.screenshot(path=str(folder / f"{name}.png"))
        else:
            page.screenshot(path=str(folder / f"{name}.png"))


def _login(page, base: str, email: str) -> None:
    sign_in(page, base, email)
    expect(page.get_by_role("button", name="Abmelden")).to_be_visible()


def _survey(app, planner_id: int) -> int:
    from factories import make_survey
    from survey.extensions import db
    from survey.models import Actor

    with app.app_context():
        survey = make_survey(planner_id, keys=KEYS, title="Netzwerk 2025")
        actors = []
        for name, email, sector, provider_type, districts in ORGS:
            actor = Actor(kommune_id=survey.kommune_id, name=name, email=email, sector=sector,
                          provider_type=provider_type, districts=districts)
            db.session.add(actor)
            actors.append(actor)
        db.session.flush()
        _answer(survey, actors, range(4))
        db.session.commit()
        return survey.id


def test_analyst_filtered_to_one_organisation_gets_no_row_data(app, browser, live_server, planner):
    survey_id = _survey(app, planner[0])
    _analyst, analyst_email = make_user(app, "analyst")

    planner_context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
    page = planner_context.new_page()
    _login(page, live_server, planner[1])
    page.goto(f"{live_server}/surveys/{survey_id}/edit")
    page.get_by_label("Einzeldaten für Auswertende freigeben (pseudonymisiert)").check()
    _shot(page, "planner-settings", page.locator("#einzeldaten"))
    page.get_by_role("button", name="Speichern").click()
    expect(page.locator(".flash")).to_contain_text("gespeichert")
    planner_context.close()

    context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    _login(page, live_server, analyst_email)
    page.goto(f"{live_server}/results/{survey_id}")
    expect(page.locator("#privacy-rule")).to_contain_text("nur Zusammengefasstes")
    expect(page.locator("#rows-pseudonymised")).to_be_visible()
    page.locator("#filter summary", has_text="Stadtteil").click()  # the district filter opens
    page.get_by_label("Oststadt").check()
    page.get_by_role("button", name="Filter anwenden").click()
    expect(page.locator("#rows-refused")).to_contain_text("weniger als 3 Einrichtungen")
    _shot(page, "analyst-results-oststadt")
    _shot(page, "analyst-results-downloads", page.locator("section[aria-labelledby=downloads]"))
    body = page.content()
    for secret in SECRETS:
        assert secret not in body
    assert "antworten.csv" not in body

    # every link of the downloads section, and the row downloads typed in by hand
    section_links = page.locator("#downloads ~ ul a, section[aria-labelledby=downloads] a").all()
    links = [a.get_attribute("href") for a in section_links]
    query = "?stadtteil=oststadt"
    typed = [f"/results/{survey_id}/{name}{query}" for name in
             ("antworten.csv", "angebote.csv", "kooperationen.csv", "akteure.csv", "netzwerk-kanten.csv",
              "netzwerk.graphml")]
    refusals = 0
    for href in dict.fromkeys([h for h in links if h and h.startswith("/results/")] + typed):
        response = context.request.get(live_server + href)
        text = response.body().decode("utf-8-sig", "replace") if "pdf" not in response.headers.get(
            "content-type", "") and "sheet" not in response.headers.get("content-type", "") else ""
        for secret in SECRETS:
            assert secret not in text, (href, secret)
        if response.status == 403:
            refusals += 1
            assert "weniger als 3 Einrichtungen" in text
    assert refusals == len(typed)

    page.goto(live_server + typed[0])
    expect(page.locator("#row-refusal")).to_contain_text("Einzeldaten gibt es für Auswertende erst ab 3")
    _shot(page, "analyst-refusal")
    page.get_by_role("link", name="Zurück zu den Ergebnissen").click()
    assert re.search(r"stadtteil=oststadt", page.url)
    context.close()
