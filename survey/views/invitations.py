"""Planner pages for a survey's invitations: invite, follow the response."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for

from ..extensions import db
from ..forms import InviteForm
from ..services import invitations as invitation_service
from ..services.surveys import SurveyError
from .access import own_survey, planner_required

bp = Blueprint("invitations", __name__, url_prefix="/surveys")


@bp.route("/<int:survey_id>/invitations", methods=["GET", "POST"])
@planner_required
def index(survey_id: int):
    survey = own_survey(survey_id)
    form = InviteForm()
    if form.validate_on_submit():
        invited, problems, kept = 0, [], []
        for line in form.addresses.data.splitlines():
            if not line.strip():
                continue
            try:
                invitation_service.invite(survey, line)
                invited += 1
            except SurveyError as error:
                problems.append(str(error))
                kept.append(line.strip())
        form.addresses.data = "\n".join(kept)  # only what still needs attention stays in the box
        if invited:
            db.session.commit()
            flash(f"{invited} Einladung(en) angelegt; sie werden jetzt im Hintergrund verschickt.", "success")
        for problem in problems:
            flash(problem, "error")
        if not problems:
            return redirect(url_for("invitations.index", survey_id=survey.id))
    rows = invitation_service.invitations_of_survey(survey)
    return render_template("planner/invitations.html", survey=survey, form=form, invitations=rows)
