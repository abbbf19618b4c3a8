"""The thin path in a real browser: planner builds and invites, respondent answers over two
sittings, analyst sees the chart (and no row-level data: not shared), the planner downloads the CSV."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from e2e.walk import sign_in
from factories import deliver, make_user, token_from_mail

pytestmark = pytest.mark.e2e

QUESTIONS = [
    "Auf welchen Wirkungskreis bezieht sich das Netzwerk?",
    "Auf welche Lebensphasen der Präventionskette richtet sich das Netzwerk?",
    "Gibt es einen Fokus des Netzwerks? Bitte beschreiben Sie ihn kurz.",
]


def _login(page, base: str, email: str) -> None:
    sign_in(page, base, email)
    expect(page.get_by_role("button", name="Abmelden")).to_be_visible()


def test_thin_path_from_catalogue_to_chart(app, browser, live_server, planner, inbox):
    _analyst_id, analyst_email = make_user(app, "analyst")
    planner_context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
    page = planner_context.new_page()
    _login(page, live_server, planner[1])

    page.get_by_role("link", name="Neue Befragung").click()
    page.get_by_label("Titel der Befragung").fill("Netzwerke im Stadtteil")
    # The privacy notice starts from the Kommune's template; its [Stellen] must be completed before opening.
    notice = page.get_by_label("Hinweis zum Datenschutz", exact=False)
    assert "[Amt/Fachbereich" in notice.input_value()
    # The retention period is stated from the configuration (CONTACT_RETENTION_DAYS), not left to fill in.
    assert "löschen wir 183 Tage (etwa sechs Monate) nach Ende der Befragung" in notice.input_value()
    notice.fill(re.sub(r"\[[^\]]*\]", "Jugendamt", notice.input_value()))
    page.locator("form button.primary").click()
    survey_url = re.sub(r"[?#].*$", "", page.url)
    page.get_by_role("link", name="Fragen aus dem Katalog hinzufügen").click()
    for prompt in QUESTIONS:
        page.get_by_label("Fragen suchen").fill(prompt.split("?")[0])
        page.get_by_role("button", name="Anzeigen").click()
        page.get_by_role("button", name=f"Hinzufügen: {prompt}").click()
    page.goto(survey_url)
    page.get_by_role("button", name="Befragung öffnen").click()
    page.get_by_role("button", name="Befragung öffnen").click()  # on the page that says what opening does
    expect(page.locator(".flash")).to_contain_text("geöffnet")

    page.get_by_role("link", name="Einladungen").first.click()
    page.locator("textarea").fill("Kita Sonnenschein <kita@traeger.example>")
    page.get_by_role("button", name="Adressen prüfen").click()
    page.get_by_role("button", name=re.compile("einladen")).click()
    expect(page.locator(".flash")).to_contain_text("1 Einladung")
    deliver(app)
    [mail] = inbox.to("kita@traeger.example")
    token = token_from_mail(mail.get_body(("plain",)).get_content())
    planner_context.close()

    # First sitting: answer and save, then close the browser.
    first = browser.new_context(locale="de-DE")
    respondent = first.new_page()
    respondent.goto(f"{live_server}/r/{token}")
    respondent.get_by_role("button", name="Befragung beginnen").click()
    respondent.get_by_label("Stadtteil / Sozialraum").check()
    respondent.get_by_label("Rund um die Kita").check()
    respondent.get_by_label(QUESTIONS[2]).fill("Übergang Kita – Grundschule")
    respondent.get_by_role("button", name="Zwischenspeichern").click()
    expect(respondent.locator(".flash")).to_contain_text("Gespeichert um")
    first.close()

    # Second sitting, a new browser without cookies: everything is still there; submit.
    second = browser.new_context(locale="de-DE", viewport={"width": 360, "height": 800})
    respondent = second.new_page()
    respondent.goto(f"{live_server}/r/{token}")
    respondent.get_by_role("button", name="Weiter ausfüllen").click()
    expect(respondent.get_by_label("Stadtteil / Sozialraum")).to_be_checked()
    expect(respondent.get_by_label(QUESTIONS[2])).to_have_value("Übergang Kita – Grundschule")
    respondent.get_by_role("button", name="Weiter zur Übersicht").click()
    respondent.get_by_role("button", name="Absenden").click()
    expect(respondent.get_by_role("heading", level=1)).to_have_text("Vielen Dank!")
    second.close()

    # The analyst sees the response count and a drawn chart.
    analyst_context = browser.new_context(locale="de-DE", accept_downloads=True)
    page = analyst_context.new_page()
    _login(page, live_server, analyst_email)
    page.goto(survey_url.replace("/surveys/", "/results/"))
    chart = page.locator("img[src*='netzwerk.lebensphasen.png']").first
    chart.scroll_into_view_if_needed()
    # The first chart of a fresh install is drawn cold (matplotlib, fonts): allow a loaded machine a minute.
    page.wait_for_function("img => img.complete && img.naturalWidth > 400", arg=chart.element_handle(), timeout=60_000)
    # Rows not shared (the default): the analyst gets none (the page says why); the planner downloads them.
    expect(page.locator("#rows-refused")).to_contain_text("nicht an Auswertende weiter")  # not shared
    assert page.locator("a[href*='antworten.csv']").count() == 0
    analyst_context.close()
    analyst_context = browser.new_context(locale="de-DE", accept_downloads=True)
    page = analyst_context.new_page()
    _login(page, live_server, planner[1])
    page.goto(survey_url.replace("/surveys/", "/results/"))
    with page.expect_download() as download:
        page.locator("a[href*='antworten.csv'][href*='variante=rohdaten'][href*='excel_de']").first.click()
    assert download.value.suggested_filename.startswith("antworten-rohdaten-netzwerke-im-stadtteil-")
    content = Path(download.value.path()).read_text(encoding="utf-8-sig")
    header, row = content.splitlines()[:2]
    assert "netzwerk.wirkungskreis" in header.split(";")
    assert "stadtteil" in row.split(";") and "Übergang Kita – Grundschule" in row
    with page.expect_download() as download:
        page.locator("a[href*='antworten.csv'][href*='variante=lesbar'][href*='excel_de']").first.click()
    assert download.value.suggested_filename.startswith("antworten-lesbar-netzwerke-im-stadtteil-")
    header = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()[0]
    assert "Auf welchen Wirkungskreis bezieht sich das Netzwerk?" in header.split(";")
    analyst_context.close()
