"""Admin pages for the Kommune itself: settings (name forms, sender, contact, links) and districts."""

from __future__ import annotations

from flask import render_template

from .access import admin_required
from .admin import bp


@bp.route("/einstellungen")
@admin_required
def settings() -> str:
    return render_template("admin/placeholder.html", title="Einstellungen der Kommune")


@bp.route("/stadtteile")
@admin_required
def districts() -> str:
    return render_template("admin/placeholder.html", title="Stadtteile und Sozialräume")
