"""The Probelauf page of a draft survey: pick colleagues, send test invitations, follow their state.

Opening the survey (with the confirmation that says which test answers go) is `planner.open_`.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from questionnaires import formatting as fmt

from ..extensions import db
from ..forms_test_run import TestRunForm
from ..models import Response
from ..services import test_run
from ..services.surveys import SurveyError
from .access import own_survey, planner_required

bp = Blueprint("test_run", __name__, url_prefix="/surveys")


@bp.route("/<int:survey_id>/probelauf", methods=["GET", "POST"])
@planner_required
def index(survey_id: int):
    survey = own_survey(survey_id)
    form = TestRunForm()
    status = 200
    if request.method == "POST" and survey.is_draft:
        if form.validate_on_submit():
            try:
                started = test_run.start(survey, form.colleague_ids(), form.addresses.data or "")
            except SurveyError as error:
                db.session.rollback()
                form.addresses.errors = [str(error)]
                status = 422
            else:
                db.session.commit()
                parts = []
                if started.invited:
                    parts.append(f"{fmt.number(len(started.invited))} Test-Einladungen werden jetzt verschickt.")
                if started.skipped:
                    parts.append("Schon im Probelauf: " + ", ".join(started.skipped) + ".")
                flash(" ".join(parts), "success" if started.invited else "info")
                return redirect(url_for("test_run.index", survey_id=survey.id))
        else:
            status = 400
    invitations = test_run.test_invitations(survey)
    if request.method == "GET" and current_user.email.lower() not in {i.email.lower() for i in invitations}:
        form.colleague.data = [str(current_user.id)]  # the planner tests first of all, unless already in
    responses = {r.invitation_id: r for r in db.session.scalars(
        db.select(Response).where(Response.invitation_id.in_([i.id for i in invitations])))} if invitations else {}
    return render_template("test_run/index.html", survey=survey, form=form,
                           colleagues=test_run.colleagues(survey.kommune_id), invitations=invitations,
                           responses=responses, held=test_run.holdings(survey)), status
