"""Chromium runs none of the payloads typed into the app's text fields: after every staff page (as
administrator and analyst) and every respondent page, the global the payloads would set is
undefined, and the Content-Security-Policy had nothing to refuse (tests/e2e/conftest.py fails the
walk on any refusal, which an injected inline script or handler would cause)."""

from __future__ import annotations

from pathlib import Path

from e2e.test_input_kept import _login
from sweep_payloads import SCRIPT, seed, staff_pages
from sweep_world import build_kommune

SHOTS = Path("/tmp/sweep-shots")


def test_no_payload_runs_in_chromium_on_any_page(app, browser, live_server):
    world = build_kommune(app, "Stadt Musterhausen")
    seed(app, world)
    pages = staff_pages(app, world)
    visited, shown = 0, 0
    SHOTS.mkdir(exist_ok=True)
    for role in ("admin", "analyst"):
        context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        _login(page, live_server, world["emails"][role])
        for url in pages:
            response = page.goto(live_server + url)
            if response is None or response.status != 200 or "html" not in response.headers.get("content-type", ""):
                continue
            visited += 1
            assert page.evaluate("typeof window.__sweep") == "undefined", f"{role} {url}: a payload ran"
            shown += page.locator(f"text={SCRIPT}").count()
            if url == f"/surveys/{world['ids']['draft']}":
                page.screenshot(path=str(SHOTS / "planner-detail.png"), full_page=True)
        context.close()
    respondent = browser.new_context(locale="de-DE").new_page()
    for token in world["tokens"]:
        for url in (f"/r/{token}", f"/r/{token}/seite/1", f"/r/{token}/seite/2", f"/r/{token}/pruefen"):
            response = respondent.goto(live_server + url)
            if response is not None and response.status == 200:
                visited += 1
                assert respondent.evaluate("typeof window.__sweep") == "undefined", f"{url}: a payload ran"
                if url.endswith("/pruefen") and token == world["tokens"][0]:
                    respondent.screenshot(path=str(SHOTS / "respondent-review.png"), full_page=True)
    respondent.context.close()
    assert visited > 40
    assert shown >= 3  # the payloads are on the pages, as visible text
