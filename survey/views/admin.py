"""The admin area of a Kommune (`/admin`): the blueprint and its start page.

The pages themselves live in modules that add routes to this blueprint: `admin_kommune`
(settings, name forms, districts), `admin_users` (colleagues, roles, invitations to an account) and
`admin_requests` (data subjects' requests: search a person, export, delete).
"""

from __future__ import annotations

from flask import Blueprint, render_template

from .access import admin_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/")
@admin_required
def index() -> str:
    return render_template("admin/index.html")


from . import admin_kommune, admin_requests, admin_users  # noqa: E402,F401  (they add their routes to `bp`)
