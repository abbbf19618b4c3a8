"""Public pages of a Kommune, without login: the list of its open surveys, by which invitees check an
invitation, and the accessibility statement of the respondent pages with its feedback form.

The list shows titles only: no dates, contacts, counts or organisations, so it tells nobody more
than a poster would. Feedback posts carry the session's CSRF token like every form with a session;
a client that sends too many is slowed down (`throttle.FEEDBACK_CLIENT`).
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for

from ..extensions import db
from ..forms_kommune import FeedbackForm
from ..logging_setup import mask_path
from ..models import Kommune
from ..services import accessibility, throttle
from ..services import kommune as kommune_service

bp = Blueprint("public", __name__)


@bp.app_template_global()
def masked_path() -> str:
    """The current page for "Barriere melden" links: a personal link cut as in the log, never whole."""
    return mask_path(request.path)


@bp.app_template_global()
def statement_url_of(kommune: Kommune) -> str:
    """The absolute address of the Kommune's accessibility statement (respondent mails link to it)."""
    return accessibility.statement_url(kommune)


def _kommune(kommune_id: int) -> Kommune:
    kommune = db.session.get(Kommune, kommune_id)
    if kommune is None:
        abort(404)
    return kommune


@bp.route("/befragungen/<int:kommune_id>")
def open_surveys(kommune_id: int):
    kommune = _kommune(kommune_id)
    return render_template("public/open_surveys.html", kommune=kommune,
                           titles=kommune_service.open_survey_titles(kommune_id))


@bp.route("/barrierefreiheit/<int:kommune_id>", methods=["GET", "POST"])
def accessibility_statement(kommune_id: int):
    kommune = _kommune(kommune_id)
    form = FeedbackForm()
    if request.method == "GET":
        form.page.data = mask_path(request.args.get("seite", ""))[:300]
    status, error = 200, ""
    if form.validate_on_submit():
        client = request.remote_addr or ""
        until = throttle.blocked_until(throttle.FEEDBACK_CLIENT, client)
        if until is not None:
            error = throttle.wait_message(until, lead="Von diesem Anschluss kamen in kurzer Zeit viele Rückmeldungen.")
            status = 429
        else:
            throttle.record_failure(throttle.FEEDBACK_CLIENT, client)  # every message counts
            try:
                accessibility.send_feedback(kommune, accessibility.Feedback(
                    message=form.message.data or "", name=form.name.data or "", email=form.email.data or "",
                    page=mask_path(form.page.data or "")[:300]))
            except accessibility.FeedbackError as problem:
                db.session.rollback()
                error, status = str(problem), 422
            else:
                db.session.commit()
                return redirect(url_for("public.accessibility_statement", kommune_id=kommune_id, gesendet=1) + "#rueckmeldung")
    elif request.method == "POST":
        status = 422
    return render_template("public/accessibility.html", kommune=kommune, form=form, error=error,
                           sent=request.args.get("gesendet") == "1", statement=accessibility), status
