"""Builder ergonomics in a browser: tick three catalogue questions, the button counts them, one
click adds them; the message stands at the first added question and has the focus; the own-question
form shows only the chosen kind's fields. Screenshots go to tests/e2e/screenshots/ for a look."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from e2e.axe import axe_violations
from e2e.walk import sign_in
from factories import make_survey

pytestmark = pytest.mark.e2e

SHOTS = Path(__file__).parent / "screenshots"


def test_planner_adds_three_questions_in_one_click_and_sees_only_the_fields_of_a_kind(app, page, live_server,
                                                                                       planner):
    with app.app_context():
        survey_id = make_survey(planner[0], keys=[], open_it=False, title="Netzwerke im Stadtteil").id
    sign_in(page, live_server, planner[1])

    page.goto(f"{live_server}/surveys/{survey_id}/katalog?modul=netzwerk")
    button = page.locator("#auswahl-knopf")
    expect(button).to_have_text("Angekreuzte Fragen hinzufügen")
    for prompt in ("Auf welche Lebensphasen", "Nennen Sie die drei wesentlichsten Themen", "Seit wann besteht"):
        page.get_by_label(re.compile("Ankreuzen: " + prompt)).check()
    expect(button).to_have_text("3 ausgewählt – hinzufügen")
    first = page.locator('input[form="auswahl"]:checked').first.get_attribute("value")  # in catalogue order
    button.click()

    message = page.locator("[data-after-action]")
    expect(message).to_contain_text("3 Fragen hinzugefügt")
    expect(message).to_be_focused()  # a screen reader reads it
    expect(message).to_be_in_viewport()
    assert page.url.endswith(f"#q-{first}")
    item = page.locator(f'[id="q-{first}"]')
    expect(item.locator("[data-after-action]")).to_have_count(1)  # the message stands at the first added
    expect(item).to_contain_text("in der Befragung")
    assert axe_violations(page) == []
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "builder-multi-add.png"))

    page.goto(f"{live_server}/surveys/{survey_id}/eigene-frage")
    kind = page.get_by_label("Art der Frage")
    kind.select_option(label="Zahl")
    expect(page.get_by_label("Kleinster erlaubter Wert (nur bei Zahl und Jahr, optional)")).to_be_visible()
    expect(page.get_by_label(re.compile("Antwortmöglichkeiten"))).to_be_hidden()
    kind.select_option(label="Einfachauswahl")
    expect(page.get_by_label(re.compile("Antwortmöglichkeiten"))).to_be_visible()
    expect(page.get_by_label("Kleinster erlaubter Wert (nur bei Zahl und Jahr, optional)")).to_be_hidden()
    assert axe_violations(page) == []
    page.get_by_label("Fragetext").fill("Gibt es einen Elterntreff?")
    page.get_by_label(re.compile("Antwortmöglichkeiten")).fill("Ja\nNein")
    page.get_by_role("button", name="Frage anlegen").click()
    expect(page.locator("[data-after-action]")).to_be_focused()
    expect(page.locator("[data-after-action]")).to_contain_text("Gibt es einen Elterntreff?")
    expect(page.get_by_role("heading", name="Seite 1", exact=True)).to_be_visible()  # not "Seite 1: Seite 1"
