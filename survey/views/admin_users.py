"""Admin pages for the Kommune's accounts: invite colleagues, roles, deactivate and reactivate."""

from __future__ import annotations

from flask import render_template

from .access import admin_required
from .admin import bp


@bp.route("/benutzer")
@admin_required
def users() -> str:
    return render_template("admin/placeholder.html", title="Benutzerinnen und Benutzer")
