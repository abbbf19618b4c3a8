"""Waves: create a follow-up survey, edit its prepared invitations, see the series and compare waves.

Comparison pages follow the results rules: login, own Kommune only (404 otherwise); analysts
(no planner rights) read without contact data and with small-number suppression, and coverage and
network comparisons are hidden when a wave has fewer submitted responses than MIN_GROUP_SIZE.
Every chart is available as PNG/SVG and its table as CSV (two dialects); the series CSV has a
`wave` column; the PDF holds every comparison chart. Row-level content (the series CSV, the list of
new and ended offers) follows `services/row_access.py` for analysts: only when every compared wave
shares it, pseudonymised (codes stable across the series), free texts only where included.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask import Response as HttpResponse
from flask_login import current_user, login_required

from analysis import privacy
from analysis.charts import frame as chart_frame
from analysis.csvdialect import stream_rows
from analysis.waves import response as wave_response
from analysis.waves import series as wave_series
from analysis.waves.wave import (
    Wave,
)

from ..extensions import db
from ..models import Invitation, Survey
from ..services import invitations as invitation_service
from ..services import wave_results
from ..services import waves as service
from ..services.results import files as results_files
from ..services.surveys import SurveyError
from .access import own_survey, planner_required

bp = Blueprint("waves", __name__, url_prefix="/waves")
FORMATS = {"png": "image/png", "svg": "image/svg+xml"}
DIALECTS = {"excel_de": "Excel (Deutsch)", "rfc4180": "RFC 4180 (Komma)"}
CSV = "text/csv; charset=utf-8"


def _catalogue():
    return current_app.extensions["catalogue"]


# --- creating a follow-up ------------------------------------------------------------------------------


@bp.route("/<int:survey_id>/folgebefragung", methods=["GET", "POST"])
@planner_required
def follow_up(survey_id: int):
    survey = own_survey(survey_id)
    if survey.is_draft:
        flash("Eine Folgebefragung kann erst angelegt werden, wenn die Befragung geöffnet oder abgeschlossen ist.",
              "error")
        return redirect(url_for("planner.detail", survey_id=survey.id))
    updates = service.question_updates(survey, _catalogue())
    plan = service.invitation_plan(survey)
    title = service.suggest_title(survey)
    chosen = {u.item.key for u in updates}  # default: take the newest wording
    error = ""
    if request.method == "POST":
        title = request.form.get("title", "")
        chosen = set(request.form.getlist("update"))
        try:
            result = service.create_follow_up(survey, current_user, _catalogue(), title, chosen)
        except SurveyError as problem:
            db.session.rollback()
            error = str(problem)
        else:
            db.session.commit()
            message = (f"Die Folgebefragung „{result.survey.title}“ ist als Entwurf angelegt; "
                       f"{result.invited} Einladungen sind vorbereitet und werden beim Öffnen verschickt.")
            if result.updated:
                message += f" {len(result.updated)} Fragen haben die neue Katalogfassung."
            flash(message, "success")
            for skipped in result.problems:
                flash(f"Nicht vorbereitet: {skipped}", "info")
            return redirect(url_for("planner.detail", survey_id=result.survey.id))
    return render_template("waves/follow_up.html", survey=survey, updates=updates, plan=plan, title=title,
                           chosen=chosen, error=error), 200 if not error else 422


@bp.route("/<int:survey_id>/einladungen", methods=["GET", "POST"])
@planner_required
def prepared(survey_id: int):
    """The prepared invitations of a draft wave: remove, add (they are mailed when it opens)."""
    survey = own_survey(survey_id)
    if not survey.is_draft:
        return redirect(url_for("invitations.index", survey_id=survey.id))
    form = {"email": "", "organisation": "", "contact_name": ""}
    error = ""
    if request.method == "POST":
        if request.form.get("remove"):
            invitation = db.session.get(Invitation, request.form.get("remove", type=int) or 0)
            if invitation is None or invitation.survey_id != survey.id:
                abort(404)
            who = invitation.organisation or invitation.email
            invitation_service.remove_prepared(invitation)
            db.session.commit()
            flash(f"{who} wird nicht eingeladen.", "success")
            return redirect(url_for("waves.prepared", survey_id=survey.id))
        form = {k: request.form.get(k, "").strip() for k in form}
        try:
            invitation = invitation_service.prepare(survey, form["email"], form["organisation"], form["contact_name"])
        except SurveyError as problem:
            db.session.rollback()
            error = str(problem)
        else:
            db.session.commit()
            flash(f"{invitation.organisation or invitation.email} ist vorgesehen.", "success")
            return redirect(url_for("waves.prepared", survey_id=survey.id))
    rows = invitation_service.invitations_of_survey(survey)
    return render_template("waves/prepared.html", survey=survey, invitations=rows, form=form,
                           error=error), 200 if not error else 422


# --- series and comparison ------------------------------------------------------------------------------


def _planner() -> bool:
    return bool(current_user.can_plan)


def _min_group() -> int:
    return int(current_app.config["MIN_GROUP_SIZE"])


def _compared(survey: Survey) -> list[Survey]:
    """The waves compared on `survey`'s page: the series up to it, or `?von=<id>` and it."""
    series = service.series_of(survey)
    upto = series[: series.index(survey) + 1]
    start = request.args.get("von", type=int)
    if start is not None:
        first = next((s for s in upto[:-1] if s.id == start), None)
        if first is None:
            abort(404)
        upto = [first, survey]
    return upto


def _both() -> bool:
    """`?beide=1`: only organisations that answered every compared wave."""
    return request.args.get("beide") == "1"


def _waves(surveys: list[Survey], analysed: bool = True, both: bool = False) -> list[Wave]:
    return wave_results.waves_of(surveys, _planner(), analysed, both)


def _rows_refusal(surveys: list[Survey], waves: list[Wave]) -> str:
    return wave_results.rows_refusal(surveys, waves, _planner(), _min_group())


def _comparison(survey: Survey) -> wave_results.Comparison:
    return wave_results.comparison(_compared(survey), _planner(), _min_group(), _both())


@bp.route("/<int:survey_id>")
@login_required
def series(survey_id: int):
    survey = own_survey(survey_id)
    surveys = service.series_of(survey)
    waves = _waves(surveys)
    rows = []
    for label, s, w in zip([w.label for w in waves], surveys, waves, strict=True):
        overview = wave_response.compare_response([w])[0]
        rows.append({"label": label, "survey": s, "invited": overview.overview.invited,
                     "submitted": overview.overview.submitted, "rate": overview.response_rate})
    trend = None
    if len(surveys) >= 3:
        trend = _comparison(surveys[-1]).chart("trend")
    return render_template("waves/series.html", survey=survey, rows=rows, last=surveys[-1], trend=trend,
                           planner=_planner(), dialects=DIALECTS)


@bp.route("/<int:survey_id>/vergleich")
@login_required
def compare(survey_id: int):
    survey = own_survey(survey_id)
    comparison = _comparison(survey)
    if len(comparison.surveys) < 2:
        flash("Zu dieser Befragung gibt es noch keine frühere Befragung zum Vergleichen.", "info")
        return redirect(url_for("waves.series", survey_id=survey.id))
    return render_template("waves/compare.html", survey=survey, comparison=comparison, planner=_planner(),
                           args=_args(), dialects=DIALECTS, min_group=_min_group())


def _args() -> dict[str, Any]:
    args: dict[str, Any] = {}
    von = request.args.get("von", type=int)
    if von:
        args["von"] = von
    if _both():
        args["beide"] = "1"
    return args


def _filename(survey: Survey, what: str, ext: str) -> str:
    return f"vergleich-{survey.id}-{results_files.file_slug(survey.title)}-{what}.{ext}"


def _download(body: Any, mimetype: str, filename: str, inline: bool = False) -> HttpResponse:
    disposition = "inline" if inline else "attachment"
    return HttpResponse(body, mimetype=mimetype, headers={
        "Content-Disposition": f'{disposition}; filename="{filename}"', "Cache-Control": "private, no-store"})


def _dialect() -> str:
    dialect = request.args.get("format", "excel_de")
    if dialect not in DIALECTS:
        abort(404)
    return dialect


@bp.route("/<int:survey_id>/diagramm/<name>.<ext>")
@login_required
def chart(survey_id: int, name: str, ext: str):
    survey = own_survey(survey_id)
    found = _comparison(survey).chart(name)
    if found is None:
        abort(404)
    if ext == "csv":
        return _download(stream_rows([found.header, *found.rows], _dialect()), CSV, _filename(survey, name, "csv"))
    if ext not in FORMATS or found.draw is None:
        abort(404)
    return _download(chart_frame.render(found.draw(), ext), FORMATS[ext], _filename(survey, name, ext),
                     inline=request.args.get("download") != "1")


@bp.route("/<int:survey_id>/reihe.csv")
@login_required
def series_csv(survey_id: int):
    """All submitted responses of the compared waves in one CSV with a `wave` column."""
    survey = own_survey(survey_id)
    surveys = _compared(survey)
    waves = _waves(surveys, analysed=not _planner(), both=_both())
    refused = _rows_refusal(surveys, waves)
    if refused:
        body = render_template("results/refused.html", survey=survey, message=refused, query={})
        return HttpResponse(body, status=403, headers={"Cache-Control": "private, no-store"})
    if not _planner():
        free_text = wave_results.free_text(surveys, False)
        waves = [replace(w, dataset=replace(w.dataset, questions=privacy.row_questions(w.dataset.questions, free_text)))
                 for w in waves]
    return _download(wave_series.series_csv(waves, _dialect()), CSV, _filename(survey, "reihe", "csv"))


@bp.route("/<int:survey_id>/vergleich.pdf")
@login_required
def pdf(survey_id: int):
    survey = own_survey(survey_id)
    body = wave_results.pdf(_comparison(survey), survey.title)
    return _download(body, "application/pdf", _filename(survey, "vergleich", "pdf"))
