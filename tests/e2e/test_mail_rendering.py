"""Every mail kind, as the test SMTP server received it, rendered by chromium on a 360 px phone and at
600 px, in light and dark mode: no horizontal scrolling (the long personal link wraps) and the text
keeps its explicit dark-on-white colours whatever scheme the reader's client prefers.

Screenshots go to $MAIL_SCREENSHOTS when set (to look at them), else to the test's tmp_path."""

from __future__ import annotations

import os
from pathlib import Path

from factories import deliver
from survey.extensions import db
from survey.models import Invitation
from survey.services import follow_up as follow_up_service
from survey.services import invitations, mail_texts
from test_name_forms_everywhere import _setup

WIDTHS = (360, 600)


def _kind(mail) -> str:
    subject = mail["Subject"]
    for word, kind in (("Einladung", "invitation"), ("Erinnerung", "reminder"), ("Ihr Link", "link"),
                       ("Bestätigung", "confirmation"), ("Zugang", "account_invitation"),
                       ("Neues Passwort", "password_reset"), ("weitergegeben", "delegation"),
                       ("geändert", "password_changed"),
                       ("Barrierefreiheit", "accessibility_feedback")):
        if word in subject:
            return kind
    raise AssertionError(f"unknown mail: {subject}")


def _html_of_every_kind(app, inbox) -> dict[str, str]:
    setup = _setup(app, "Kreis Düren")
    with app.app_context():  # extreme content: a long organisation name and an introduction with long words
        invitation = db.session.get(Invitation, setup["ids"]["invitation_id"])
        invitation.organisation = "Arbeiterwohlfahrt Kreisverband Düren – Familienzentrum Sonnenblume " * 3
        invitation.survey.introduction = ("Kinder- und Jugendhilfeplanungsgruppenkoordinierungsstelle " * 4
                                          + "https://www.kreis-dueren.de/jugend/praeventionskette/bestandsaufnahme-2026")
        kommune = invitation.survey.kommune  # a full signature with a long office name
        kommune.office = "Amt für Kinder, Jugend und Familie – Koordinierungsstelle Präventionskette und Frühe Hilfen"
        kommune.postal_address = "Bismarckstraße 16\n52351 Düren"
        kommune.phone, kommune.website = "02421 22-0", "https://www.kreis-dueren.de/jugend/praeventionskette/"
        follow_up_service.remind([db.session.get(Invitation, setup["ids"]["started_invitation"])])
        db.session.commit()
    deliver(app)
    html = {}
    for mail in inbox.messages:
        kind = _kind(mail)
        part = mail.get_body(("html",)).get_content()
        if kind not in html or "Arbeiterwohlfahrt" in part:
            html[kind] = part
    with app.app_context():
        invitation = db.session.get(Invitation, setup["ids"]["invitation_id"])
        html["invitation_extreme"] = mail_texts.render_mail(
            invitation.survey, invitation, invitations.respondent_link("x" * 32)).html
    return html


def test_every_mail_fits_a_phone_in_light_and_dark_mode(app, browser, inbox, tmp_path):
    html = _html_of_every_kind(app, inbox)
    assert {"invitation", "reminder", "link", "confirmation", "account_invitation", "password_reset",
            "password_changed", "accessibility_feedback", "delegation"} <= set(html)
    folder = Path(os.environ.get("MAIL_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    for scheme in ("light", "dark"):
        context = browser.new_context(locale="de-DE", viewport={"width": 360, "height": 800}, color_scheme=scheme)
        page = context.new_page()
        for kind, body in sorted(html.items()):
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 800})
                page.set_content(body)
                page.emulate_media(color_scheme=scheme)
                assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") is (scheme == "dark")
                scroll = page.evaluate("document.documentElement.scrollWidth")
                assert scroll <= width, f"{kind} at {width} px ({scheme}) scrolls sideways: {scroll} px"
                colours = page.evaluate("""() => [...document.querySelectorAll('p, li, dd, dt, h2, h3')]
                    .filter(e => e.innerText.trim()).map(e => {
                      let n = e, bg = 'rgba(0, 0, 0, 0)';
                      while (n && (bg === 'rgba(0, 0, 0, 0)' || bg === 'transparent')) {
                        bg = getComputedStyle(n).backgroundColor; n = n.parentElement; }
                      return [getComputedStyle(e).color, bg, e.innerText.slice(0, 40)]; })""")
                assert colours, kind
                for colour, background, text in colours:
                    assert background == "rgb(255, 255, 255)", f"{kind} ({scheme}): {text!r} on {background}"
                    assert colour in ("rgb(26, 26, 26)", "rgb(68, 68, 68)"), f"{kind} ({scheme}): {text!r} in {colour}"
                page.screenshot(path=str(folder / f"{kind}-{width}-{scheme}.png"), full_page=True)
        context.close()


def test_a_respondent_declines_on_a_phone(app, browser, live_server, planner):
    from playwright.sync_api import expect

    from e2e.axe import axe_violations
    from factories import invite, make_survey

    with app.app_context():
        token = invite(make_survey(planner[0]))
    context = browser.new_context(locale="de-DE", viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(f"{live_server}/r/{token}")
    page.get_by_role("link", name="Ich möchte nicht teilnehmen").click()
    expect(page.get_by_role("heading", name="Nicht an der Befragung teilnehmen?")).to_be_visible()
    assert axe_violations(page) == []
    folder = Path(os.environ.get("MAIL_SCREENSHOTS") or "/nonexistent")
    if folder.is_dir():
        page.screenshot(path=str(folder / "decline-confirm-360.png"), full_page=True)
    page.get_by_label("Möchten Sie uns einen Grund nennen? (freiwillig)").fill("Keine Angebote für Familien.")
    page.get_by_role("button", name="Ja, wir nehmen nicht teil").click()
    expect(page.get_by_role("status")).to_contain_text("Vermerkt: Kita Sonnenschein nimmt nicht teil.")
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    if folder.is_dir():
        page.screenshot(path=str(folder / "decline-done-360.png"), full_page=True)
    context.close()
    with app.app_context():
        assert invitations.find_by_token(token).declined_note.endswith("Keine Angebote für Familien.")
