"""The start page `/` (each role to its own start) and the planner's dashboard `/uebersicht`."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from ..services import bounces as bounce_service
from ..services import dashboard as dashboard_service
from ..services import jobs
from ..services.delivery import queue_paused
from .access import planner_required
from .auth import start_url

bp = Blueprint("start", __name__)


@bp.route("/")
def index():
    """Logged out: the login. Otherwise the role's start page (see `auth.start_url`)."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login_page"))
    return redirect(start_url(current_user))


@bp.route("/uebersicht")
@planner_required
def dashboard():
    rows = dashboard_service.dashboard(current_user.kommune_id)
    mail_worker = jobs.worker_status()["mail"]
    return render_template("start/dashboard.html", rows=rows, mail_pause=queue_paused(), mail_worker=mail_worker,
                           unclear_bounces=bounce_service.unclear_count(current_user.kommune_id))
