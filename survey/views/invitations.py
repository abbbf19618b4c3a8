"""Planner pages for a survey's invitations: paste and check, invite from the register, mail texts, follow up."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from questionnaires import formatting as fmt

from ..extensions import db
from ..forms_invitations import MailTextsForm, PastedRowsForm, RegisterChoiceForm
from ..headers import allow_styles_of
from ..models import Actor, Invitation, OutboxMessage
from ..services import actors as actor_service
from ..services import behalf, dsn, mail_texts
from ..services import bounces as bounce_service
from ..services import delegation as delegation_service
from ..services import follow_up as follow_up_service
from ..services import invitations as invitation_service
from ..services.surveys import SurveyError
from . import edit_conflicts as edits
from .access import own_survey, planner_required

bp = Blueprint("invitations", __name__, url_prefix="/surveys")

STATUS_FILTERS = [
    ("", "Alle"),
    ("not_submitted", "Noch nicht abgeschickt"),
    ("created", "Wartet auf Versand"),
    ("retrying", "Wird erneut versucht"),
    ("sent", "Versendet"),
    ("opened", "Geöffnet"),
    ("in_progress", "In Bearbeitung"),
    ("submitted", "Abgeschickt"),
    ("failed", "Zustellung fehlgeschlagen"),
    ("bounced", "Unzustellbar"),
    ("declined", "Nimmt nicht teil"),
    ("withdrawn", "Zurückgezogen"),
]


def _own_invitation(survey, invitation_id: int) -> Invitation:
    invitation = invitation_service.invitation_of_survey(survey, invitation_id)
    if invitation is None:
        abort(404)
    return invitation


@bp.route("/<int:survey_id>/invitations", methods=["GET", "POST"])
@planner_required
def index(survey_id: int):
    survey = own_survey(survey_id)
    addresses = ""
    if request.method == "POST":
        addresses = request.form.get("addresses", "")
        if not addresses.strip():
            flash("Bitte fügen Sie mindestens eine E-Mail-Adresse ein.", "error")
        else:
            checked = invitation_service.check_paste(survey, addresses)
            if not checked:
                flash("In Ihrer Eingabe wurde keine E-Mail-Adresse gefunden.", "error")
            elif request.form.get("action") == "send":  # scripted use: check and send in one step
                return _send(survey, checked, add_to_register=bool(request.form.get("add_to_register")))
            else:
                return render_template("invitations/check.html", survey=survey, checked=checked,
                                       add_to_register=True)
    status = request.args.get("status", "")
    if status not in dict(STATUS_FILTERS):
        status = ""
    rows = invitation_service.invitations_of_survey(survey, status)
    return render_template(
        "planner/invitations.html", survey=survey, invitations=rows, addresses=addresses,
        counts=invitation_service.counts(survey), status=status, status_filters=STATUS_FILTERS,
        reminder_day=follow_up_service.reminder_day(survey), behalf_marks=behalf.marks_of_survey(survey.id),
    )


def _send(survey, checked, add_to_register: bool):
    try:
        created = invitation_service.invite_checked(survey, checked, add_to_register=add_to_register)
    except SurveyError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("invitations.index", survey_id=survey.id))
    db.session.commit()
    left = [c for c in checked if c.state == "invalid"]
    if created:
        flash(f"{fmt.counted(len(created), 'Einladung', 'Einladungen')} angelegt; sie werden jetzt im Hintergrund "
              "verschickt.", "success")
    if left:
        flash(f"{fmt.counted(len(left), 'Eintrag ist', 'Einträge sind')} noch ungültig und "
              f"{'wurde' if len(left) == 1 else 'wurden'} nicht verschickt. "
              "Korrigieren Sie sie unten oder entfernen Sie sie.", "error")
        return render_template("invitations/check.html", survey=survey, checked=left,
                               add_to_register=add_to_register, after_send=True)
    return redirect(url_for("invitations.index", survey_id=survey.id))


@bp.route("/<int:survey_id>/invitations/check", methods=["POST"])
@planner_required
def check(survey_id: int):
    """The preview's buttons: check the edited entries again, or send the valid ones."""
    survey = own_survey(survey_id)
    form = PastedRowsForm()
    checked = invitation_service.check_entries(survey, form.entries())
    add_to_register = bool(form.add_to_register.data)
    if not checked:
        flash("Es ist kein Eintrag mehr übrig.", "error")
        return redirect(url_for("invitations.index", survey_id=survey.id))
    if request.form.get("action") == "send":
        return _send(survey, checked, add_to_register)
    return render_template("invitations/check.html", survey=survey, checked=checked,
                           add_to_register=add_to_register)


@bp.route("/<int:survey_id>/invitations/register", methods=["GET", "POST"])
@planner_required
def from_register(survey_id: int):
    survey = own_survey(survey_id)
    filters = {k: request.values.get(k, "") for k in ("sector", "district", "provider_type")}
    form = RegisterChoiceForm()
    if form.is_submitted():
        ids = form.actor_ids()
        if not ids:
            flash("Bitte wählen Sie mindestens eine Organisation aus.", "error")
        else:
            try:
                created, problems = invitation_service.invite_actors(survey, ids)
            except SurveyError as error:
                flash(str(error), "error")
            else:
                db.session.commit()
                flash(f"{fmt.counted(len(created), 'Einladung', 'Einladungen')} angelegt; sie werden jetzt im "
                      "Hintergrund verschickt.", "success")
                for problem in problems:
                    flash(problem, "error")
                return redirect(url_for("invitations.index", survey_id=survey.id))
    actors = invitation_service.actors_for_invitation(survey, **filters)
    return render_template(
        "invitations/register.html", survey=survey, actors=actors, filters=filters,
        sectors=actor_service.options("sector"), provider_types=actor_service.options("provider_type"),
        districts=survey.kommune.districts, district_names=survey.kommune.district_names(),
        selected=set(form.actor_ids()) if form.is_submitted() else None,
    )


@dataclass
class _Recipient:
    """A register entry (not yet invited) as the preview's recipient."""

    email: str
    organisation: str
    contact_name: str


def _preview_recipient(survey, recipient: str) -> Invitation | _Recipient:
    """A real recipient for the preview: one of the survey's invitations or a register entry."""
    kind, _sep, number = recipient.partition("-")
    if kind == "i" and number.isdigit():
        invitation = invitation_service.invitation_of_survey(survey, int(number))
        if invitation is not None:
            return invitation
    if kind == "a" and number.isdigit():
        actor = actor_service.actor_of_kommune(survey.kommune_id, int(number))
        if actor is not None:
            return _Recipient(actor.email, actor.name, actor.contact_name)
    first = next(iter(invitation_service.invitations_of_survey(survey)), None)
    if first is not None:
        return first
    actor = next(iter(actor_service.actors_of_kommune(survey.kommune_id, active="1")), None)
    if actor is not None:
        return _Recipient(actor.email, actor.name, actor.contact_name)
    return _Recipient("kontakt@beispiel-traeger.de", "Beispiel-Träger e. V.", "Anna Beispiel")


TEXT_LABELS = {"invitation_subject": "Betreff der Einladung", "invitation_text": "Text der Einladung",
               "reminder_subject": "Betreff der Erinnerung", "reminder_text": "Text der Erinnerung",
               "remind_days_before": "Erinnerung Tage vor der Frist"}


def _stored_texts(survey) -> dict[str, str]:
    inv_subject, inv_body = mail_texts.texts_of(survey, "invitation")
    rem_subject, rem_body = mail_texts.texts_of(survey, "reminder")
    return {"invitation_subject": inv_subject, "invitation_text": inv_body, "reminder_subject": rem_subject,
            "reminder_text": rem_body,
            "remind_days_before": "" if survey.remind_days_before is None else str(survey.remind_days_before)}


@bp.route("/<int:survey_id>/invitations/text", methods=["GET", "POST"])
@planner_required
def texts(survey_id: int):
    survey = own_survey(survey_id)
    recipients = [(f"i-{i.id}", f"{i.organisation or i.email} ({i.email})")
                  for i in invitation_service.invitations_of_survey(survey)[:300]]
    if not recipients:
        recipients = [(f"a-{a.id}", f"{a.name} ({a.email or 'ohne Adresse'})")
                      for a in actor_service.actors_of_kommune(survey.kommune_id, active="1")[:300]]
    form = MailTextsForm(data={**_stored_texts(survey), "recipient": request.args.get("recipient", ""),
                               "kind": request.args.get("kind", "invitation")},
                         deadline=survey.deadline, recipients=recipients)
    if form.is_submitted():
        valid = form.validate()
        if request.form.get("action") == "save" and valid:
            conflict = edits.claim(survey, lambda: _stored_texts(survey), TEXT_LABELS)
            if conflict:
                return edits.conflict_page(conflict, "Text der Einladung und Erinnerung")
            texts = form.texts()
            try:
                mail_texts.save_texts(survey, texts["invitation_subject"], texts["invitation_text"],
                                              texts["reminder_subject"], texts["reminder_text"], form.days())
            except SurveyError as error:
                db.session.rollback()
                flash(str(error), "error")
            else:
                db.session.commit()
                flash("Die Texte sind gespeichert. Neue Einladungen und Erinnerungen verwenden sie.", "success")
                return redirect(url_for("invitations.texts", survey_id=survey.id, recipient=form.recipient.data,
                                        kind=form.kind.data))
        if not valid:
            flash("Bitte prüfen Sie die markierten Felder. Ihr Text ist noch nicht gespeichert.", "error")
    kind = form.preview_kind
    recipient = _preview_recipient(survey, form.recipient.data or "")
    preview, preview_error = None, ""
    if not (form[f"{kind}_subject"].errors or form[f"{kind}_text"].errors):
        try:
            preview = mail_texts.render_mail(
                survey, cast(Invitation, recipient),  # a register entry stands in with the same fields
                f"{survey_link_base()}/r/persoenlicher-link-wird-beim-versand-erzeugt", kind,
                subject=form[f"{kind}_subject"].data or "", body=form[f"{kind}_text"].data or "")
        except SurveyError as error:
            preview_error = str(error)
        else:
            allow_styles_of(preview.html)  # the mail preview frame inherits the page's CSP
    return render_template(
        "invitations/texts.html", survey=survey, form=form, preview=preview,
        preview_error=preview_error, recipient=recipient, kind=kind,
        placeholders=mail_texts.PLACEHOLDERS, sender=_sender(),
    )


def survey_link_base() -> str:
    return current_app.config["BASE_URL"]


def _sender() -> str:
    return current_app.config["MAIL_DEFAULT_SENDER"]


def _detail_page(survey, invitation: Invitation, address: str, address_error: str = "",
                 contact_name: str | None = None):
    mails = list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.invitation_id == invitation.id)
                                    .order_by(OutboxMessage.id.desc())))
    actor = db.session.get(Actor, invitation.actor_id) if invitation.actor_id else None
    return render_template("invitations/detail.html", survey=survey, invitation=invitation, mails=mails,
                           actor=actor, address=address, address_error=address_error,
                           bounce_reports=bounce_service.reports_of_invitation(invitation),
                           resend_on_new_address=follow_up_service.RESEND_ON_NEW_ADDRESS,
                           contact_name=invitation.contact_name if contact_name is None else contact_name,
                           history=delegation_service.history(invitation),
                           behalf_mark=behalf.marks_of_survey(survey.id, invitation.id).get(invitation.id, ""))


@bp.route("/<int:survey_id>/invitations/remind", methods=["POST"])
@planner_required
def remind(survey_id: int):
    survey = own_survey(survey_id)
    try:
        if request.form.get("mode") == "all":
            queued = follow_up_service.remind_not_submitted(survey)
            skipped = 0
        else:
            ids = [int(i) for i in request.form.getlist("invitation") if i.isdigit()]
            queued, skipped = follow_up_service.remind_selected(survey, ids)
    except SurveyError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        if queued:
            flash(f"{fmt.counted(queued, 'Erinnerung wird', 'Erinnerungen werden')} jetzt verschickt.", "success")
        else:
            flash("Es gibt niemanden, der eine Erinnerung bekommen kann.", "error")
        if skipped:
            flash(f"{fmt.counted(skipped, 'ausgewählte Einladung bekommt', 'ausgewählte Einladungen bekommen')} "
                  "keine Erinnerung (bereits abgeschickt, "
                  "zurückgezogen, abgesagt, noch nicht versendet oder nicht zustellbar – bei nicht zustellbaren "
                  "korrigieren Sie bitte zuerst die Adresse).", "error")
    return redirect(url_for("invitations.index", survey_id=survey.id, status=request.form.get("status", "")))


@bp.route("/<int:survey_id>/invitations/fehlgeschlagen", methods=["GET", "POST"])
@planner_required
def resend_failed(survey_id: int):
    """Preview of the failed invitations, then one click sends them all again."""
    survey = own_survey(survey_id)
    if request.method == "POST":
        try:
            count = follow_up_service.resend_failed(survey)
        except SurveyError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(f"{fmt.counted(count, 'Einladung wird', 'Einladungen werden')} erneut verschickt "
                  "(mit demselben Link).", "success")
        return redirect(url_for("invitations.index", survey_id=survey.id))
    return render_template("invitations/resend_failed.html", survey=survey,
                           failed=follow_up_service.failed_invitations(survey))


@bp.route("/<int:survey_id>/invitations/<int:invitation_id>", methods=["GET"])
@planner_required
def detail(survey_id: int, invitation_id: int):
    survey = own_survey(survey_id)
    invitation = _own_invitation(survey, invitation_id)
    return _detail_page(survey, invitation, invitation.email)


@bp.route("/<int:survey_id>/invitations/<int:invitation_id>/resend", methods=["POST"])
@planner_required
def resend(survey_id: int, invitation_id: int):
    survey = own_survey(survey_id)
    invitation = _own_invitation(survey, invitation_id)
    try:
        token = follow_up_service.resend(invitation, new_link=bool(request.form.get("new_link")))
    except SurveyError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash("Die Einladung wird erneut verschickt" + (" – mit einem neuen Link; der alte gilt nicht mehr." if token
                                                        else " (mit demselben Link)."), "success")
    return redirect(url_for("invitations.detail", survey_id=survey.id, invitation_id=invitation.id))


@bp.route("/<int:survey_id>/invitations/<int:invitation_id>/withdraw", methods=["POST"])
@planner_required
def withdraw(survey_id: int, invitation_id: int):
    survey = own_survey(survey_id)
    invitation = _own_invitation(survey, invitation_id)
    try:
        follow_up_service.withdraw(invitation)
    except SurveyError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash("Die Einladung ist zurückgezogen; der Link funktioniert nicht mehr.", "success")
    return redirect(url_for("invitations.detail", survey_id=survey.id, invitation_id=invitation.id))


@bp.route("/<int:survey_id>/invitations/<int:invitation_id>/address", methods=["POST"])
@planner_required
def correct_address(survey_id: int, invitation_id: int):
    survey = own_survey(survey_id)
    invitation = _own_invitation(survey, invitation_id)
    address = request.form.get("address", "")
    contact_name = request.form.get("contact_name")
    conflict = edits.claim(invitation, lambda: {"address": invitation.email, "contact_name": invitation.contact_name},
                           {"address": "E-Mail-Adresse", "contact_name": "Ansprechperson"},
                           back_url=url_for("invitations.detail", survey_id=survey.id, invitation_id=invitation.id))
    if conflict:
        return edits.conflict_page(conflict, invitation.organisation or invitation.email)
    try:
        sent = follow_up_service.correct_address(invitation, address,
                                                 update_register=bool(request.form.get("update_register")),
                                                 contact_name=contact_name)
    except SurveyError as error:
        db.session.rollback()
        invitation = _own_invitation(survey, invitation_id)
        return _detail_page(survey, invitation, address, str(error), contact_name), 422
    db.session.commit()
    who = f"{invitation.contact_name}, {invitation.email}" if invitation.contact_name else invitation.email
    flash(f"Der Empfänger ist geändert: {who}. Die bisherigen Antworten bleiben erhalten, der Link bleibt derselbe."
          + (" Die Einladung geht an die neue Adresse." if sent else ""), "success")
    return redirect(url_for("invitations.detail", survey_id=survey.id, invitation_id=invitation.id))


def _state_change(survey_id: int, invitation_id: int, change, done: str | Callable[[Invitation], str]):
    survey = own_survey(survey_id)
    invitation = _own_invitation(survey, invitation_id)
    try:
        change(invitation)
    except SurveyError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(done if isinstance(done, str) else done(invitation), "success")
    return redirect(url_for("invitations.detail", survey_id=survey.id, invitation_id=invitation_id))


@bp.route("/<int:survey_id>/invitations/<int:invitation_id>/unzustellbar", methods=["POST"])
@planner_required
def mark_bounced(survey_id: int, invitation_id: int):
    """By hand: the planner learnt that the mail did not arrive (a bounce in their own mailbox, a call)."""
    reason = request.form.get("reason", "").strip() or "Von Hand als unzustellbar markiert."
    return _state_change(survey_id, invitation_id, lambda i: follow_up_service.mark_bounced(i, reason),
                         "Die Einladung ist als unzustellbar vermerkt; es gehen keine Erinnerungen an diese Adresse. "
                         "Korrigieren Sie die Adresse, um sie erneut zu senden.")


@bp.route("/<int:survey_id>/invitations/<int:invitation_id>/nimmt-nicht-teil", methods=["POST"])
@planner_required
def decline(survey_id: int, invitation_id: int):
    note = request.form.get("note", "")
    return _state_change(survey_id, invitation_id, lambda i: follow_up_service.mark_declined(i, note),
                         "Vermerkt: Die Organisation nimmt nicht teil. Sie bekommt keine Erinnerungen mehr; "
                         "ihr Link funktioniert weiter, falls sie es sich anders überlegt.")


@bp.route("/<int:survey_id>/invitations/<int:invitation_id>/vermerk-zuruecknehmen", methods=["POST"])
@planner_required
def undo_mark(survey_id: int, invitation_id: int):
    return _state_change(survey_id, invitation_id, follow_up_service.undo_mark,
                         lambda i: f"Zurückgenommen: Der Status ist wieder „{i.status_label}“.")


@bp.route("/ruecklaeufer", methods=["GET"])
@planner_required
def unclear_bounces():
    """Bounces nobody could read or match: kept for a person to look at, with a count on the dashboard."""
    reports = bounce_service.unclear(current_user.kommune_id)
    done = request.args.get("erledigte") == "1"
    resolved = [r for r in bounce_service.unclear(current_user.kommune_id, include_resolved=True)
                if r.resolved_at is not None] if done else []
    return render_template("invitations/unclear_bounces.html", reports=reports, resolved=resolved, show_resolved=done,
                           surveys=bounce_service.surveys_with_unclear(reports + resolved),
                           readable={r.id: dsn.readable(r.raw) for r in reports + resolved})


@bp.route("/ruecklaeufer/<int:report_id>/erledigt", methods=["POST"])
@planner_required
def resolve_bounce(report_id: int):
    report = bounce_service.report_of(current_user.kommune_id, report_id)
    if report is None:
        abort(404)
    bounce_service.resolve(report)
    db.session.commit()
    flash("Der Rückläufer ist als erledigt vermerkt.", "success")
    return redirect(url_for("invitations.unclear_bounces"))


@bp.context_processor
def _labels():
    return {"paste_state_labels": invitation_service.STATE_LABELS}
