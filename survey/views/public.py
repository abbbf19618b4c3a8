"""Public pages without login: the list of a Kommune's open surveys, by which invitees check an invitation.

Every invitation names this page ("Ob diese Einladung echt ist …"). It shows titles only: no
dates, contacts, counts or organisations, so it tells nobody more than a poster would.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from ..extensions import db
from ..models import Kommune
from ..services import kommune as kommune_service

bp = Blueprint("public", __name__)


@bp.route("/befragungen/<int:kommune_id>")
def open_surveys(kommune_id: int):
    kommune = db.session.get(Kommune, kommune_id)
    if kommune is None:
        abort(404)
    return render_template("public/open_surveys.html", kommune=kommune,
                           titles=kommune_service.open_survey_titles(kommune_id))
