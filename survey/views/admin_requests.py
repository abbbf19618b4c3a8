"""Admin pages for data subjects' requests (`/admin/auskunft`): search a person, export, delete.

Search, export and deletion are POSTs, so a name or an address never stands in a URL (and so in no
proxy's access log). The rules live in `services/subject_requests.py`.
"""

from __future__ import annotations

import json
import logging

from flask import Response, flash, render_template, request
from flask_login import current_user
from wtforms import BooleanField, StringField
from wtforms.validators import Length

from ..extensions import db
from ..form_messages import GermanForm
from ..models import utc_now
from ..services import subject_requests
from .access import admin_required
from .admin import bp

log = logging.getLogger(__name__)


class SubjectForm(GermanForm):
    term = StringField("Name oder E-Mail-Adresse der Person", description="Groß- und Kleinschreibung egal; ein "
                       "Teil genügt (mindestens 3 Zeichen), z. B. der Nachname oder die Adresse.",
                       validators=[Length(max=254, message="Höchstens 254 Zeichen.")])
    confirm = BooleanField("Ja, diese Angaben zur Person jetzt löschen bzw. unkenntlich machen. "
                           "Das lässt sich nicht rückgängig machen.")


@bp.route("/auskunft", methods=["GET", "POST"])
@admin_required
def subject_request():
    form = SubjectForm()
    held, error, status = None, "", 200
    action = request.form.get("action", "search")
    if request.method == "POST" and form.validate():
        kommune = current_user.kommune
        try:
            if action == "erase":
                if not form.confirm.data:
                    error, status = "Bitte bestätigen Sie das Löschen mit dem Häkchen.", 422
                else:
                    done = subject_requests.erase(kommune, form.term.data or "")
                    db.session.commit()
                    log.info("subject request: erased (actors %d, invitations %d, mails %d, bounces %d, answers %d)",
                             done.actors, done.invitations, done.mails, done.bounces, done.answers)
                    flash(f"Gelöscht bzw. unkenntlich gemacht: {done.actors} Einträge im Akteursverzeichnis, "
                          f"{done.invitations} Einladungen, {done.mails} E-Mails, {done.bounces} Rückläufer, "
                          f"{done.answers} Antworten zur Ansprechperson, {done.pseudonyms} Pseudonyme, "
                          f"{done.contacts} weitere Ansprechpersonen, {done.delegations} Weitergaben.", "success")
                    form.confirm.data = False
            held = subject_requests.search(kommune, form.term.data or "")
            if action == "export":
                document = json.dumps(subject_requests.export(held), ensure_ascii=False, indent=2)
                name = f"auskunft-{utc_now():%Y-%m-%d}.json"
                return Response(document, mimetype="application/json",
                                headers={"Content-Disposition": f'attachment; filename="{name}"'})
        except subject_requests.RequestError as problem:
            error, status = str(problem), 422
    elif request.method == "POST":
        status = 422
    return render_template("admin/subject_request.html", form=form, held=held, error=error), status
