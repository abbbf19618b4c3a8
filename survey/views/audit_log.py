"""The audit log's pages: the Kommune's log for admins (`/admin/protokoll`), a survey's log for its
planners (`/surveys/<id>/protokoll`), both filterable and downloadable as CSV; and the one place
that records every file a signed-in staff member downloads.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, render_template, request, stream_with_context, url_for
from flask_login import current_user
from werkzeug.http import parse_options_header
from wtforms.fields.core import UnboundField

from analysis.csvdialect import stream_rows

from ..forms import SurveyForm
from ..forms_actors import ActorForm
from ..forms_invitations import MailTextsForm
from ..forms_kommune import KommuneSettingsForm
from ..models import Survey
from ..services import audit
from ..services.results.files import file_slug, today_berlin
from .access import admin_required, own_survey, planner_required
from .admin import bp as admin_bp
from .planner import bp as planner_bp

PAGE_SIZE = 200


def _labels(*forms: type) -> dict[str, str]:
    """Field name -> its German label, read from the forms that edit those settings (one place)."""
    labels: dict[str, str] = {}
    for form in forms:
        for name, value in vars(form).items():
            if isinstance(value, UnboundField) and value.args and isinstance(value.args[0], str):
                labels.setdefault(name, value.args[0])
    return labels


# Per kind of object (`AuditEntry.object_type`): how its before/after keys are shown.
LABELS = {
    "kommune": _labels(KommuneSettingsForm) | {"name_overrides": "Sprachformen des Namens",
                                               "privacy_template": "Vorlage Datenschutzhinweis"},
    "survey": _labels(SurveyForm, MailTextsForm) | {
        "invitation_subject": "Betreff der Einladung", "invitation_text": "Text der Einladung",
        "reminder_subject": "Betreff der Erinnerung", "reminder_text": "Text der Erinnerung",
        "prompt": "Fragetext", "help": "Hilfetext", "options": "Antwortmöglichkeiten", "items": "Teilfragen"},
    "actor": _labels(ActorForm) | {"districts": "Gebiete"},
}


def _date(name: str, problems: list[str], label: str) -> dt.date | None:
    text = (request.args.get(name) or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        problems.append(f"„{label}“ ist kein Datum (TT.MM.JJJJ): {text[:20]}")
        return None


def _filter() -> tuple[audit.LogFilter, list[str]]:
    """The filter from the query string; what cannot be read is named, the rest still applies."""
    problems: list[str] = []
    person = request.args.get("person", "")
    action = request.args.get("aktion", "")
    if action and action not in audit.ACTIONS:
        problems.append("Diese Aktion gibt es nicht; gezeigt werden alle Aktionen.")
        action = ""
    flt = audit.LogFilter(
        actor_id=int(person) if person.isdigit() else None,
        action=action,
        since=_date("von", problems, "von"),
        until=_date("bis", problems, "bis"),
    )
    if flt.since and flt.until and flt.since > flt.until:
        problems.append("„von“ liegt nach „bis“: es gibt keine Einträge dazwischen.")
    return flt, problems


def _page(kommune_id: int, survey: Survey | None, download_endpoint: str, **url_args: Any) -> str:
    flt, problems = _filter()
    shown = audit.entries(kommune_id, survey.id if survey else None, flt, limit=PAGE_SIZE + 1)
    return render_template(
        "audit/log.html", survey=survey, entries=shown[:PAGE_SIZE], more=len(shown) > PAGE_SIZE,
        page_size=PAGE_SIZE, problems=problems, actions=audit.ACTIONS, people=audit.actors_in_log(kommune_id),
        args=request.args, labels=LABELS,
        download_url=url_for(download_endpoint, **{**url_args, **request.args.to_dict()}),
    )


def _csv(kommune_id: int, survey: Survey | None, name: str) -> Response:
    flt, _problems = _filter()
    rows = audit.export_rows(kommune_id, survey.id if survey else None, flt)
    filename = f"protokoll-{name}-{today_berlin():%Y-%m-%d}.csv"
    return Response(stream_with_context(stream_rows(rows, "excel_de", "readable")), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "private, no-store"})


@admin_bp.route("/protokoll")
@admin_required
def kommune_log() -> str:
    return _page(current_user.kommune_id, None, "admin.kommune_log_csv")


@admin_bp.route("/protokoll.csv")
@admin_required
def kommune_log_csv() -> Response:
    return _csv(current_user.kommune_id, None, file_slug(current_user.kommune.name))


@planner_bp.route("/<int:survey_id>/protokoll")
@planner_required
def survey_log(survey_id: int) -> str:
    survey = own_survey(survey_id)
    return _page(current_user.kommune_id, survey, "planner.survey_log_csv", survey_id=survey.id)


@planner_bp.route("/<int:survey_id>/protokoll.csv")
@planner_required
def survey_log_csv(survey_id: int) -> Response:
    survey = own_survey(survey_id)
    return _csv(current_user.kommune_id, survey, file_slug(survey.title))


@planner_bp.after_app_request
def _record_download(response: Response) -> Response:
    """Every file a signed-in staff member downloads is in the log (name, survey), in one place."""
    disposition, options = parse_options_header(response.headers.get("Content-Disposition", ""))
    if response.status_code != 200 or disposition != "attachment" or not current_user.is_authenticated:
        return response
    survey_id = (request.view_args or {}).get("survey_id")
    name = options.get("filename", "Datei")
    audit.record_apart(current_user.kommune_id, "results.downloaded", f"„{name}“ heruntergeladen",
                       survey_id=survey_id if isinstance(survey_id, int) else None, after={"Adresse": request.path})
    return response
