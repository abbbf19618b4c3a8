"""The respondent's side: /r/<token>, answered page by page over as many sittings as needed.

These pages are exempt from the session-based CSRF check. The respondent's credential is the
token in the URL, not a cookie, so a forged cross-site post cannot act as the respondent; and a
session-bound CSRF token would expire under a respondent who left the tab open overnight and
cost them their input.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from ..extensions import csrf, db
from ..models import Invitation, Response, SurveyState
from ..services import outbox
from ..services import responses as response_service
from ..services.invitations import find_by_token
from ..services.surveys import pages_with_questions

bp = Blueprint("respond", __name__, url_prefix="/r")
csrf.exempt(bp)


def _invitation_or_page(token: str) -> tuple[Invitation | None, object | None]:
    """The invitation, or the German page to show instead (unknown link, closed survey)."""
    invitation = find_by_token(token)
    if invitation is None:
        return None, (render_template("respond/unknown.html"), 404)
    survey = invitation.survey
    if survey.state is not SurveyState.OPEN:
        submitted = invitation.submitted_at is not None
        if not submitted or survey.state is SurveyState.DRAFT:
            return None, (render_template("respond/closed.html", survey=survey), 410 if survey.state is SurveyState.CLOSED else 404)
    return invitation, None


def _pages(invitation: Invitation):
    return pages_with_questions(invitation.survey)


def _existing_response(invitation: Invitation) -> Response | None:
    return db.session.query(Response).filter_by(invitation_id=invitation.id).one_or_none()


@bp.route("/<token>")
def welcome(token: str):
    invitation, page = _invitation_or_page(token)
    if page:
        return page
    response = _existing_response(invitation)
    if response and response.is_submitted:
        return redirect(url_for("respond.done", token=token))
    pages = _pages(invitation)
    question_count = sum(len(qs) for _p, qs in pages)
    return render_template("respond/welcome.html", invitation=invitation, survey=invitation.survey,
                           token=token, response=response, question_count=question_count)


@bp.route("/<token>/start", methods=["POST"])
def start(token: str):
    invitation, page = _invitation_or_page(token)
    if page:
        return page
    response = response_service.start(invitation)
    db.session.commit()
    return redirect(url_for("respond.page", token=token, number=response.current_page + 1))


@bp.route("/<token>/seite/<int:number>", methods=["GET", "POST"])
def page(token: str, number: int):
    invitation, error_page = _invitation_or_page(token)
    if error_page:
        return error_page
    response = response_service.start(invitation)
    if response.is_submitted:
        db.session.commit()
        return redirect(url_for("respond.done", token=token))
    pages = _pages(invitation)
    if not 1 <= number <= len(pages):
        abort(404)
    survey_page, questions = pages[number - 1]
    raw = response.draft
    conflict = False
    if request.method == "POST":
        posted = request.form.to_dict(flat=False)
        base = request.form.get("_revision", type=int)
        result = response_service.save_page(
            response, questions, posted, number - 1, base, force=request.form.get("_force") == "1"
        )
        if result.conflict:
            conflict = True
            raw = {**response.draft, **response_service.page_fields(posted, questions)}
        else:
            db.session.commit()
            return _after_save(token, number, len(pages), result.errors)
    db.session.commit()
    shown = response_service.shown_questions(questions, raw)
    errors = response_service.parse(shown, raw).errors
    return render_template(
        "respond/page.html", invitation=invitation, survey=invitation.survey, token=token, response=response,
        page=survey_page, number=number, page_count=len(pages), questions=shown, raw=raw, errors=errors,
        conflict=conflict, server_draft=response.draft,
    )


def _after_save(token: str, number: int, page_count: int, errors: dict[str, str]):
    action = request.form.get("_action", "save")
    if errors and action in ("next", "review"):
        flash("Ihre Eingaben sind gespeichert. Bitte prüfen Sie die markierten Angaben.", "error")
        return redirect(url_for("respond.page", token=token, number=number))
    if action == "next" and number < page_count:
        return redirect(url_for("respond.page", token=token, number=number + 1))
    if action == "back" and number > 1:
        return redirect(url_for("respond.page", token=token, number=number - 1))
    if action in ("next", "review"):
        return redirect(url_for("respond.review", token=token))
    flash("saved", "saved")
    return redirect(url_for("respond.page", token=token, number=number))


@bp.route("/<token>/pruefen", methods=["GET", "POST"])
def review(token: str):
    invitation, error_page = _invitation_or_page(token)
    if error_page:
        return error_page
    response = response_service.start(invitation)
    if response.is_submitted:
        db.session.commit()
        return redirect(url_for("respond.done", token=token))
    errors: dict[str, str] = {}
    if request.method == "POST":
        errors = response_service.submit(response)
        if not errors:
            _queue_confirmation(invitation, response)
            db.session.commit()
            return redirect(url_for("respond.done", token=token))
        flash("Bitte ergänzen oder korrigieren Sie die markierten Angaben, bevor Sie absenden.", "error")
    db.session.commit()
    return render_template("respond/review.html", **_answer_sheet(invitation, response), token=token, errors=errors)


def _answer_sheet(invitation: Invitation, response: Response) -> dict:
    """Every shown question with its answer as text, grouped by page (for review, confirmation, mail)."""
    sheet = []
    for number, (page, questions) in enumerate(_pages(invitation), start=1):
        shown = response_service.shown_questions(questions, response.draft)
        values = response_service.parse(shown, response.draft).values
        sheet.append((number, page, [(q, values) for q in shown]))
    return {"invitation": invitation, "survey": invitation.survey, "response": response, "sheet": sheet}


def _queue_confirmation(invitation: Invitation, response: Response) -> None:
    outbox.enqueue(
        "confirmation", invitation.email, "confirmation", reply_to=invitation.survey.contact_email,
        invitation_id=invitation.id, **_answer_sheet(invitation, response),
    )


@bp.route("/<token>/fertig")
def done(token: str):
    invitation, error_page = _invitation_or_page(token)
    if error_page:
        return error_page
    response = _existing_response(invitation)
    if response is None or not response.is_submitted:
        return redirect(url_for("respond.welcome", token=token))
    return render_template("respond/done.html", **_answer_sheet(invitation, response), token=token)
