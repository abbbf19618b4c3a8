"""Answers entered on behalf of an organisation (paper form, phone call): the planner's start page,
and the respondent's own pages served under a planner URL.

`/surveys/<id>/invitations/<id>/erfassen` asks where the answers come from and says what will happen.
After that the planner uses the respondent's views themselves (same pages, validation, save and
submit, conflict handling), not a copy: `register` adds to each of those endpoints a second URL rule
`…/erfassen/seite/<n>` etc., and `door` (a decorator on the respondent views) handles a request that
came in through such a rule: login, planning rights, own Kommune (another Kommune's invitation is a
404), the session's CSRF token (the respondent blueprint is exempt), and then runs the view with a
stand-in token (`Door.key`) while `behalf.entering_as` the planner. Inside, every
`url_for("respond.…", token=<that key>)` builds the planner's URL instead (`_planner_urls`, a URL
default), so the views and templates keep building their links as before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    has_request_context,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from ..extensions import csrf, db
from ..forms_behalf import BehalfStartForm
from ..models import Invitation, InvitationStatus, Response
from ..services import behalf, survey_pages
from ..services import invitations as invitation_service
from ..services import responses as response_service
from .access import own_survey, planner_required

bp = Blueprint("behalf", __name__, url_prefix="/surveys")

PREFIX = "/surveys/<int:survey_id>/invitations/<int:invitation_id>/erfassen"
# The respondent endpoints a planner uses, with their rule under PREFIX (methods as the respondent's).
RULES = {
    "respond.welcome": "/willkommen",
    "respond.page": "/seite/<int:number>",
    "respond.entry": "/seite/<int:number>/eintrag/<key>/<int:index>",
    "respond.remove_entry": "/seite/<int:number>/eintrag/<key>/<int:index>/entfernen",
    "respond.review": "/pruefen",
    "respond.done": "/fertig",
}
CONFIRMATION = "_bestaetigung"  # the review page's tick box "Bestätigung an die Organisation senden"


@dataclass(frozen=True)
class Door:
    """The invitation a planner is entering answers for in this request."""

    survey_id: int
    invitation: Invitation
    source: str

    @property
    def key(self) -> str:
        return f"erfassen-{self.invitation.id}"  # never a token: tokens are URL-safe base64 of 32 bytes

    @property
    def organisation(self) -> str:
        return self.invitation.organisation or self.invitation.email or "Organisation ohne Namen"

    @property
    def source_label(self) -> str:
        return behalf.SOURCES[self.source]

    @property
    def back(self) -> str:
        return url_for("invitations.detail", survey_id=self.survey_id, invitation_id=self.invitation.id)


def current_door() -> Door | None:
    return g.get("behalf_door") if has_request_context() else None


def invitation_of(token: str) -> Invitation | None:
    """The door's invitation when `token` is its stand-in key (the respondent views ask this first)."""
    door = current_door()
    return door.invitation if door is not None and token == door.key else None


def _existing_response(invitation: Invitation) -> Response | None:
    return db.session.query(Response).filter_by(invitation_id=invitation.id).one_or_none()


def _own_invitation(survey_id: int, invitation_id: int) -> tuple[Any, Invitation]:
    survey = own_survey(survey_id)
    invitation = invitation_service.invitation_of_survey(survey, invitation_id)
    if invitation is None:
        abort(404)
    return survey, invitation


def door(view: Callable[..., Any]) -> Callable[..., Any]:
    """Serve a respondent view also under the planner's URL (see the module docstring)."""

    @wraps(view)
    def wrapped(*args: Any, survey_id: int | None = None, invitation_id: int | None = None, **kwargs: Any) -> Any:
        if survey_id is None or invitation_id is None:
            return view(*args, **kwargs)  # the respondent's own link
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]  # set by Flask-Login
        if not current_user.can_plan:
            abort(403)
        _survey, invitation = _own_invitation(survey_id, invitation_id)
        if request.method == "POST" and current_app.config["WTF_CSRF_ENABLED"]:
            csrf.protect()  # as for every planner form (the respondent blueprint is exempt)
        start = url_for("behalf.start", survey_id=survey_id, invitation_id=invitation_id)
        response = _existing_response(invitation)
        if request.endpoint == "respond.welcome" or response is None or response.entered_source is None:
            return redirect(start)  # the source is chosen first
        g.behalf_door = Door(survey_id, invitation, response.entered_source)
        who = behalf.for_user(invitation, current_user, confirmation=request.form.get(CONFIRMATION) == "1")
        with behalf.entering_as(who):
            return view(*args, token=g.behalf_door.key, **kwargs)

    return wrapped


def _planner_urls(endpoint: str, values: dict[str, Any]) -> None:
    """Inside a door, a link to a respondent page with the door's key goes to the planner's URL."""
    door_now = current_door()
    if door_now is None or endpoint not in RULES or values.get("token") != door_now.key:
        return
    del values["token"]
    values["survey_id"] = door_now.survey_id
    values["invitation_id"] = door_now.invitation.id


def register(app: Flask) -> None:
    """The planner's rules of the respondent endpoints (after the respondent blueprint), the URL
    default and the template variable `door`."""
    for endpoint, rule in RULES.items():
        view = app.view_functions[endpoint]
        methods = next(r.methods or set() for r in app.url_map.iter_rules(endpoint)) - {"HEAD", "OPTIONS"}
        app.add_url_rule(PREFIX + rule, endpoint=endpoint, view_func=view, methods=sorted(methods))
    app.url_defaults(_planner_urls)

    app.add_template_global(behalf.mark, "on_behalf_mark")

    @app.context_processor
    def _door() -> dict[str, Any]:
        return {"door": current_door()}


@bp.route("/<int:survey_id>/invitations/<int:invitation_id>/erfassen", methods=["GET", "POST"])
@planner_required
def start(survey_id: int, invitation_id: int):
    """Ask where the answers come from, say what will happen, then open the first page to fill in."""
    survey, invitation = _own_invitation(survey_id, invitation_id)
    response = _existing_response(invitation)
    form = BehalfStartForm(data={"source": response.entered_source if response else None})
    refusal = _refusal(survey, invitation, response)
    if form.is_submitted() and refusal is None and form.validate():
        response = response_service.start(invitation, opened=False)  # the link was not opened
        behalf.begin(response, behalf.for_user(invitation, current_user), form.source.data or "")
        db.session.commit()
        flash(f"Sie erfassen jetzt die Antworten von {invitation.organisation or invitation.email} "
              f"({behalf.SOURCES[form.source.data or '']}).", "success")
        pages = max(len(survey_pages.pages_with_questions(survey)), 1)
        return redirect(url_for("respond.page", survey_id=survey.id, invitation_id=invitation.id,
                                number=min(response.current_page + 1, pages)))
    if refusal and form.is_submitted():
        flash(refusal, "error")
    return render_template("behalf/start.html", survey=survey, invitation=invitation, response=response,
                           form=form, refusal=refusal, mark=behalf.mark(response),
                           has_answers=bool(response and any(not n.startswith("_") for n in response.draft or {}))
                           ), 422 if form.errors else 200


def _refusal(survey, invitation: Invitation, response: Response | None) -> str | None:
    """Why answers cannot be entered now (German), or None."""
    if not survey.is_open:
        return "Die Befragung ist nicht geöffnet; Antworten können nur während der Befragung erfasst werden."
    if invitation.status is InvitationStatus.WITHDRAWN:
        return "Die Einladung ist zurückgezogen; für sie werden keine Antworten mehr angenommen."
    if response is not None and response.is_submitted:
        return ("Die Antworten sind bereits abgeschickt. Öffnen Sie die Antwort zuerst wieder (auf der Seite der "
                "Einladung), wenn Sie etwas ergänzen oder korrigieren möchten.")
    return None
