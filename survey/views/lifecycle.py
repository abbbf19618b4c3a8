"""Planner pages of a survey's lifecycle that ask first: closing, reopening, "Alle erinnern", the
archive and deleting. Each confirmation is a server page (never a `confirm()` dialog) that says what
will happen with counts and names; GET shows it and changes nothing, the POST does it.

Opening asks on `planner.open_` (its page shows `lifecycle.open_check`); closing and "Alle erinnern"
post to `planner.close` and `invitations.remind`, which did so before these pages existed.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from questionnaires import formatting as fmt

from ..extensions import db
from ..models import SurveyState
from ..services import follow_up, lifecycle, retention
from ..services.surveys import SurveyError
from .access import own_survey, planner_required

bp = Blueprint("lifecycle", __name__, url_prefix="/surveys")


def _to_survey(survey_id: int):
    return redirect(url_for("planner.detail", survey_id=survey_id))


def pause_days() -> int:
    """The days "Alle erinnern" leaves out a recent reminder: the form's `tage`, else REMIND_PAUSE_DAYS."""
    default = int(current_app.config.get("REMIND_PAUSE_DAYS", follow_up.REMIND_PAUSE_DAYS))
    days = request.values.get("tage", type=int)
    return default if days is None or not 0 <= days <= 365 else days


@bp.route("/<int:survey_id>/abschliessen")
@planner_required
def confirm_close(survey_id: int):
    survey = own_survey(survey_id)
    if not survey.is_open:
        flash("Nur eine offene Befragung kann abgeschlossen werden.", "error")
        return _to_survey(survey.id)
    return render_template("planner/confirm_close.html", survey=survey, standing=lifecycle.standing(survey),
                           retention_days=retention.period().days)


@bp.route("/<int:survey_id>/wieder-oeffnen", methods=["GET", "POST"])
@planner_required
def reopen(survey_id: int):
    survey = own_survey(survey_id)
    try:
        check = lifecycle.reopen_check(survey)
    except SurveyError as refusal:
        flash(str(refusal), "error")
        return _to_survey(survey.id)
    error: str | None = None
    if request.method == "POST":
        may_edit = request.form.get("abgeschickte") == "bearbeiten"
        deadline = None
        typed = request.form.get("frist", "").strip()
        if typed:
            try:
                deadline = dt.date.fromisoformat(typed)
            except ValueError:
                error = "Bitte geben Sie die neue Frist als Datum an (TT.MM.JJJJ)."
        if error is None:
            try:
                reopened = lifecycle.reopen_survey(survey, submitted_may_edit=may_edit, deadline=deadline)
            except SurveyError as refused:
                db.session.rollback()
                error = str(refused)
            else:
                db.session.commit()
                flash("Die Befragung ist wieder geöffnet. Angefangene Antworten können mit den bisherigen Links "
                      "fortgesetzt werden. " + (
                          f"{fmt.counted(reopened, 'abgeschickte Antwort ist', 'abgeschickte Antworten sind')} wieder "
                          "zur Bearbeitung freigegeben." if may_edit
                          else "Abgeschickte Antworten bleiben abgeschickt."), "success")
                return _to_survey(survey.id)
    return render_template("planner/confirm_reopen.html", survey=survey, check=check, error=error,
                           chosen=request.form.get("abgeschickte", "bleiben"), typed=request.form.get("frist", "")
                           ), 422 if error else 200


@bp.route("/<int:survey_id>/invitations/alle-erinnern")
@planner_required
def confirm_remind(survey_id: int):
    survey = own_survey(survey_id)
    if not survey.is_open:
        flash("Erinnern geht nur, solange die Befragung offen ist.", "error")
        return _to_survey(survey.id)
    plan = follow_up.reminder_plan(survey, pause_days())
    return render_template("planner/confirm_remind.html", survey=survey, plan=plan)


@bp.route("/<int:survey_id>/archivieren", methods=["POST"])
@planner_required
def archive(survey_id: int):
    survey = own_survey(survey_id)
    try:
        lifecycle.archive(survey)
    except SurveyError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _to_survey(survey.id)
    db.session.commit()
    flash(f"„{survey.title}“ ist im Archiv. Sie erscheint nicht mehr in der Übersicht und der Liste der "
          "Befragungen; Ergebnisse und Downloads bleiben erreichbar.", "success")
    return redirect(url_for("lifecycle.archived"))


@bp.route("/<int:survey_id>/aus-dem-archiv", methods=["POST"])
@planner_required
def unarchive(survey_id: int):
    survey = own_survey(survey_id)
    try:
        lifecycle.unarchive(survey)
    except SurveyError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"„{survey.title}“ ist wieder in der Liste der Befragungen.", "success")
    return _to_survey(survey.id)


@bp.route("/archiv")
@planner_required
def archived():
    return render_template("planner/archive.html", surveys=lifecycle.archived_surveys(current_user.kommune_id))


@bp.route("/<int:survey_id>/loeschen")
@planner_required
def confirm_delete(survey_id: int):
    """The first of two pages: what deleting removes and what stays."""
    survey = own_survey(survey_id)
    return render_template("planner/confirm_delete.html", survey=survey, held=lifecycle.holdings(survey),
                           second=False, error=None, typed="")


@bp.route("/<int:survey_id>/loeschen/endgueltig", methods=["GET", "POST"])
@planner_required
def delete(survey_id: int):
    """The second page: the planner types the survey's title; the POST deletes."""
    survey = own_survey(survey_id)
    held = lifecycle.holdings(survey)
    error: str | None = None
    typed = request.form.get("titel", "")
    if request.method == "POST":
        title = survey.title
        try:
            lifecycle.delete_survey(survey, typed)
        except SurveyError as refused:
            db.session.rollback()
            error = str(refused)
        else:
            db.session.commit()
            flash(f"Die Befragung „{title}“ ist gelöscht, mit ihren Einladungen, Antworten und E-Mails. Das "
                  "Protokoll behält seine Einträge.", "success")
            return redirect(url_for("planner.index"))
    return render_template("planner/confirm_delete.html", survey=survey, held=held, second=True, error=error,
                           typed=typed), 422 if error else 200


@bp.app_template_global("closes_itself")
def closes_itself(survey) -> bool:
    """For the survey page: True while the open survey will close itself at the end of its deadline day."""
    return survey.state is SurveyState.OPEN and lifecycle.will_close_itself(survey)
