"""Every page that offers a file passes axe-core on the desktop and on a phone: the survey page
(print view, PDF, codebook), the paper questionnaire's print view, the results page with its
downloads, the invitations with the failed-resend preview, the actors list with its export and
the import page with its template."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from factories import login
from survey.extensions import db
from survey.models import Invitation, InvitationStatus, Survey
from survey.services import demo

from .axe import axe_violations
from .test_results_layout import _login, _overflow

pytestmark = pytest.mark.e2e


@pytest.fixture
def download_pages(app):
    """URL paths of the demo's pages that offer a file; two invitations of the demo failed for good."""
    with app.app_context():
        demo.load_demo()
        survey_id = db.session.scalar(sa.select(Survey.id).where(Survey.title == demo.SURVEY_TITLE))
        failed = db.session.scalars(sa.select(Invitation).where(Invitation.survey_id == survey_id)
                                    .where(Invitation.status.not_in([InvitationStatus.SUBMITTED,
                                                                     InvitationStatus.IN_PROGRESS])).limit(2)).all()
        assert failed, "the demo has unanswered invitations"
        for invitation in failed:
            invitation.status = InvitationStatus.FAILED
        db.session.commit()
    client = login(app.test_client(), demo.PLANNER[0], demo.DEMO_PASSWORD)
    pages = {
        "survey": f"/surveys/{survey_id}",
        "print": f"/surveys/{survey_id}/druck",
        "results": f"/results/{survey_id}",
        "invitations": f"/surveys/{survey_id}/invitations",
        "resend-failed": f"/surveys/{survey_id}/invitations/fehlgeschlagen",
        "actors": "/actors",
        "actors-import": "/actors/import",
    }
    for path in pages.values():
        assert client.get(path).status_code == 200, path
    return pages


PAGES = ["survey", "print", "results", "invitations", "resend-failed", "actors", "actors-import"]


@pytest.mark.parametrize("width", [1280, 390])
def test_download_pages_pass_axe_and_fit_the_screen(browser, live_server, download_pages, width, tmp_path):
    context = browser.new_context(locale="de-DE", viewport={"width": width, "height": 900})
    page = context.new_page()
    _login(page, live_server)
    found = {}
    for name in PAGES:
        page.goto(live_server + download_pages[name])
        if violations := axe_violations(page):
            found[name] = violations
            page.screenshot(path=str(tmp_path / f"{name}-{width}.png"), full_page=True)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > width:
            found[f"{name} (breiter als der Bildschirm)"] = _overflow(page)
    context.close()
    assert found == {}
