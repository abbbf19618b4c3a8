"""The respondent in a real browser: sittings, two tabs, 40 offers, submit with mail, accessibility."""

from __future__ import annotations

import re
import time

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from e2e.allkinds import make_all_kinds_survey
from e2e.axe import axe_violations
from factories import deliver, invite
from survey.extensions import db
from survey.models import Response, Survey
from survey.services import surveys

pytestmark = pytest.mark.e2e
OFFERS = "angebote.angebote"


@pytest.fixture
def token(app, planner):
    with app.app_context():
        return invite(make_all_kinds_survey(planner[0], max_offers=50, actors=40))


def test_half_today_rest_after_cookies_are_gone_then_submit_and_get_the_mail(app, browser, live_server, token, inbox):
    first = browser.new_context(locale="de-DE")
    page = first.new_page()
    page.goto(f"{live_server}/r/{token}")
    page.get_by_role("button", name="Befragung beginnen").click()
    expect(page.get_by_text("Seite 1 von 4")).to_be_visible()
    page.get_by_label("Wie heißt Ihre Einrichtung?").fill("Kita Sonnenschein")
    page.get_by_label("Nordstadt").check()
    page.get_by_role("button", name="Weiter", exact=True).click()
    # A condition takes effect at once with JavaScript on.
    goals = page.locator('.q[data-key="netzwerk.ziele"]')
    expect(goals).to_be_hidden()
    page.locator('.q[data-key="netzwerk.ziele_festgeschrieben"] input[value="ja"]').check()
    expect(goals).to_be_visible()
    goals.locator("textarea").fill("Übergänge gut gestalten")
    page.get_by_role("button", name="Zwischenspeichern").click()
    expect(page.get_by_text(re.compile(r"Gespeichert um \d\d:\d\d"))).to_be_visible()
    first.close()  # the browser is closed; a day later, no cookies at all

    later = browser.new_context(locale="de-DE")
    page = later.new_page()
    page.goto(f"{live_server}/r/{token}")
    expect(page.get_by_text("Sie machen auf Seite 2 von 4 weiter")).to_be_visible()
    page.get_by_role("button", name="Weiter ausfüllen").click()
    expect(page.get_by_text("Seite 2 von 4")).to_be_visible()
    expect(page.locator('.q[data-key="netzwerk.ziele"] textarea')).to_have_value("Übergänge gut gestalten")
    page.get_by_role("button", name="Weiter", exact=True).click()
    # One offer, on its own page.
    page.get_by_role("button", name="Ersten Eintrag hinzufügen").click()
    page.get_by_label("Name des Angebots").fill("Babyclub")
    page.get_by_role("button", name="Speichern und zurück zur Liste").click()
    expect(page.locator(".entry-title")).to_have_text(["Babyclub"])
    page.get_by_role("button", name="Weiter", exact=True).click()
    # Partners: the list filters as one types.
    page.get_by_label("Name enthält").fill("regenbogen")
    expect(page.locator("[data-count]")).to_have_text("1 von 40 Organisationen")
    page.get_by_label("Kita Regenbogen").check()
    page.get_by_label("Organisation nicht in der Liste? Name hier eintragen").fill("Hebammenpraxis Mitte")
    page.get_by_role("button", name="Ausgewählte Partner hinzufügen").click()
    expect(page.locator(".entry-title")).to_have_text(["Kita Regenbogen", "Hebammenpraxis Mitte"])
    page.get_by_role("button", name="Weiter zur Übersicht").click()
    expect(page.get_by_role("heading", name="Übersicht Ihrer Antworten")).to_be_visible()
    expect(page.locator(".sheet-entries strong")).to_have_text(["Babyclub", "Kita Regenbogen", "Hebammenpraxis Mitte"])
    page.get_by_role("button", name="Absenden").click()
    expect(page.get_by_role("heading", name="Vielen Dank!")).to_be_visible()
    later.close()

    deliver(app)
    [mail] = [m for m in inbox.to("kita@traeger.example") if "Bestätigung" in m["Subject"]]
    text = mail.get_body(("plain",)).get_content()
    assert "Kita Sonnenschein" in text and "Babyclub" in text and "Kita Regenbogen" in text


def test_two_tabs_show_the_conflict_and_the_second_click_saves(app, context, live_server, token):
    tab_a, tab_b = context.new_page(), context.new_page()
    for tab in (tab_a, tab_b):
        tab.goto(f"{live_server}/r/{token}/seite/1")
    tab_a.get_by_label("Wie heißt Ihre Einrichtung?").fill("Fassung A")
    tab_a.get_by_role("button", name="Zwischenspeichern").click()
    expect(tab_a.get_by_text(re.compile("Gespeichert um"))).to_be_visible()
    tab_b.get_by_label("Wie heißt Ihre Einrichtung?").fill("Fassung B")
    tab_b.get_by_role("button", name="Zwischenspeichern").click()
    alert = tab_b.locator("#konflikt")
    expect(alert).to_contain_text("Fassung A")
    expect(alert).to_contain_text("Fassung B")
    expect(tab_b.get_by_label("Wie heißt Ihre Einrichtung?")).to_have_value("Fassung B")
    with app.app_context():
        assert db.session.scalar(sa.select(Response)).draft["akteur.name"] == ["Fassung A"]
    tab_b.get_by_role("button", name="Zwischenspeichern").click()
    expect(tab_b.get_by_text(re.compile("Gespeichert um"))).to_be_visible()
    with app.app_context():
        assert db.session.scalar(sa.select(Response)).draft["akteur.name"] == ["Fassung B"]


def test_forty_offers_are_listed_compactly_and_each_is_editable(app, page, live_server, token):
    client = app.test_client()
    for n in range(40):
        client.post(f"/r/{token}/seite/3/eintrag/{OFFERS}/{n}",
                    data={f"{OFFERS}/{n}/name": f"Angebot {n + 1:02d}", f"{OFFERS}/{n}/art": "beratung"})
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"{live_server}/r/{token}/seite/3")
    expect(page.locator(".entry-row")).to_have_count(40)
    expect(page.get_by_text("40 Einträge (höchstens 50)")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_label("In der Liste suchen").fill("Angebot 17")
    expect(page.locator(".entry-row:visible")).to_have_count(1)
    page.get_by_role("button", name="„Angebot 17“ bearbeiten").click()
    page.locator(f'input[name="{OFFERS}/16/name"]').fill("Elterncafé am Markt")
    page.get_by_role("button", name="Speichern und zurück zur Liste").click()
    expect(page.locator(".entry-row")).to_have_count(40)
    expect(page.locator(f"#f-{OFFERS.replace('.', '-')}-16 .entry-title")).to_have_text("Elterncafé am Markt")


def test_autosave_stores_typing_without_a_click(app, page, live_server, token):
    page.goto(f"{live_server}/r/{token}/seite/1")
    page.get_by_label("Wie heißt Ihre Einrichtung?").fill("Automatisch")
    page.goto(f"{live_server}/r/{token}")  # leaving the page saves what was typed
    for _attempt in range(50):
        with app.app_context():
            if db.session.scalar(sa.select(Response)).draft.get("akteur.name") == ["Automatisch"]:
                break
        time.sleep(0.1)
    else:
        pytest.fail("the typed name was not saved on leaving the page")


def test_every_respondent_page_passes_axe_at_desktop_360_px_and_200_percent(app, planner, page, live_server, token):
    client = app.test_client()
    client.post(f"/r/{token}/seite/1", data={"akteur.name": "Kita", "akteur.mitarbeitende": "ca. 20"})
    client.post(f"/r/{token}/seite/3/eintrag/{OFFERS}/0", data={f"{OFFERS}/0/name": "Babyclub"})
    client.post(f"/r/{token}/seite/4", data={"_pick/kooperation.partner": [], "_new/kooperation.partner": "Praxis",
                                             "_action": "pick:kooperation.partner"})
    with app.app_context():
        closed = make_all_kinds_survey(planner[0])
        closed_token = invite(closed, "schule@traeger.example")
        surveys.close_survey(db.session.get(Survey, closed.id))
        db.session.commit()
    paths = [f"/r/{token}", *[f"/r/{token}/seite/{n}" for n in range(1, 5)],
             f"/r/{token}/seite/3/eintrag/{OFFERS}/0", f"/r/{token}/seite/3/eintrag/{OFFERS}/0/entfernen",
             f"/r/{token}/pruefen", "/r/unbekannter-link-0123456789", f"/r/{closed_token}"]
    problems = {}
    for width in (1280, 640, 360):  # 640 px is a 1280 px screen at 200 % zoom
        page.set_viewport_size({"width": width, "height": 900})
        for path in paths:
            page.goto(live_server + path)
            if width == 1280 and (violations := axe_violations(page)):
                problems[path] = violations
            overflow = page.evaluate("document.documentElement.scrollWidth")
            assert overflow <= width, f"{path} scrolls sideways at {width} px ({overflow} px)"
    # Submit (the review page with errors is checked too), then the confirmation page.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server}/r/{token}/pruefen")
    page.get_by_role("button", name="Absenden").click()
    if violations := axe_violations(page):
        problems["review with errors"] = violations
    page.goto(f"{live_server}/r/{token}/seite/1")
    page.get_by_label("Wie heißt Ihre Einrichtung?").fill("Kita Sonnenschein")
    page.get_by_label("Wie viele hauptamtliche Mitarbeitende").fill("20")
    page.get_by_role("button", name="Zwischenspeichern").click()
    if violations := axe_violations(page):
        problems["page after save"] = violations
    page.goto(f"{live_server}/r/{token}/pruefen")
    page.get_by_role("button", name="Absenden").click()
    expect(page.get_by_role("heading", name="Vielen Dank!")).to_be_visible()
    if violations := axe_violations(page):
        problems["done"] = violations
    assert problems == {}
    assert page.evaluate("typeof axe.run") == "function"  # the check really ran


def test_keyboard_only_reaches_and_uses_the_form(page, live_server, token):
    page.goto(f"{live_server}/r/{token}")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Zum Inhalt springen")
    page.locator("form[action$='/start'] button").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Seite 1 von 4")).to_be_visible()
    page.get_by_label("Wie heißt Ihre Einrichtung?").focus()
    page.keyboard.type("Per Tastatur")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # visible focus


def test_a_tab_left_open_past_the_session_saves_without_loss(app, context, page, live_server, token):
    page.goto(f"{live_server}/r/{token}/seite/1")
    page.get_by_label("Wie heißt Ihre Einrichtung?").fill("Über Nacht offen")
    context.clear_cookies()  # session and any CSRF cookie expired overnight
    page.get_by_role("button", name="Zwischenspeichern").click()
    expect(page.get_by_text(re.compile(r"Gespeichert um \d\d:\d\d"))).to_be_visible()
    with app.app_context():
        assert db.session.scalar(sa.select(Response)).draft["akteur.name"] == ["Über Nacht offen"]
