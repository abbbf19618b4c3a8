"""The results page and the waves comparison in a real browser: they reflow on a phone without
horizontal scrolling (WCAG 1.4.10), charts hold their place with a visible placeholder while they
load, and axe-core finds nothing on the desktop and on the phone."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from e2e.walk import sign_in
from factories import login
from survey.extensions import db
from survey.models import Job, JobState, Survey
from survey.services import demo

from .axe import axe_violations

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo_pages(app):
    """The demo survey's results page and the comparison with a follow-up wave (URL paths)."""
    with app.app_context():
        demo.load_demo()
        db.session.commit()
        survey_id = db.session.scalar(sa.select(Survey.id).where(Survey.title == demo.SURVEY_TITLE))
    client = login(app.test_client(), demo.PLANNER[0], demo.DEMO_PASSWORD)
    created = client.post(f"/waves/{survey_id}/folgebefragung", data={"title": "Folgebefragung 2027"})
    assert created.status_code == 302
    wave_id = int(created.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
    # The download page of a report whose preparation failed (the waiting page reloads itself,
    # which would pull the page from under axe): the message and the retry button.
    assert client.get(f"/results/{survey_id}/bericht.pdf").status_code == 302
    with app.app_context():
        db.session.execute(sa.update(Job).values(state=JobState.FAILED, error="Der Speicherplatz reicht nicht."))
        db.session.commit()
    return {"results": f"/results/{survey_id}", "compare": f"/waves/{wave_id}/vergleich",
            "prepare": f"/results/{survey_id}/vorbereiten/bericht"}


def _login(page, base: str) -> None:
    sign_in(page, base, demo.PLANNER[0], demo.DEMO_PASSWORD)
    expect(page.get_by_role("button", name="Abmelden")).to_be_visible()


def _overflow(page) -> list[str]:
    """The elements that stick out to the right of the viewport (for a readable failure)."""
    return page.evaluate("""() => {
        const width = document.documentElement.clientWidth, found = [];
        for (const el of document.querySelectorAll('body *')) {
            const box = el.getBoundingClientRect();
            if (box.right > width + 1 && box.width > 0)
                found.push(el.tagName.toLowerCase() + '.' + el.className + ' ' + Math.round(box.right));
        }
        return found.slice(0, 8);
    }""")


@pytest.mark.parametrize("name", ["results", "compare", "prepare"])
@pytest.mark.parametrize("width", [320, 390])
def test_page_reflows_on_a_phone_without_horizontal_scrolling(browser, live_server, demo_pages, name, width):
    context = browser.new_context(locale="de-DE", viewport={"width": width, "height": 800})
    page = context.new_page()
    _login(page, live_server)
    page.goto(live_server + demo_pages[name])
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, (scroll_width, _overflow(page))
    context.close()


def test_chart_frames_hold_their_place_and_say_that_the_chart_is_loading(browser, live_server, demo_pages):
    context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _login(page, live_server)
    page.route("**/chart/*.png*", lambda route: None)  # never answered: the charts stay "loading"
    page.goto(live_server + demo_pages["results"], wait_until="domcontentloaded")
    image = page.locator("figure.chart img").first
    box = image.bounding_box()
    assert box["height"] > 150  # room of the chart kept (width/height attributes), no collapsed frame
    holder = page.locator("figure.chart .chart-frame").first
    assert "Diagramm wird geladen" in holder.evaluate("el => getComputedStyle(el, '::before').content")
    context.close()


@pytest.mark.parametrize("name", ["results", "compare", "prepare"])
@pytest.mark.parametrize("width", [1280, 390])
def test_axe_finds_no_violations(browser, live_server, demo_pages, name, width):
    context = browser.new_context(locale="de-DE", viewport={"width": width, "height": 900})
    page = context.new_page()
    _login(page, live_server)
    page.goto(live_server + demo_pages[name])
    assert axe_violations(page) == []
    context.close()


def test_the_browser_walks_notice_a_csp_refusal(page, live_server, csp_refusals):
    """The guard of every browser walk (conftest `csp_refusals`) really sees a refused inline style."""
    page.goto(f"{live_server}/login")
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">eingeschleust</p>')")
    page.wait_for_timeout(200)
    assert any("inline style" in refusal for refusal in csp_refusals)
    assert page.eval_on_selector("p:last-of-type", "p => getComputedStyle(p).color") != "rgb(255, 0, 0)"
    csp_refusals.clear()
