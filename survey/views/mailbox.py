"""/mailbox: the local mailbox of the embedded setup, so a newcomer can follow every mail in the browser.

Only in demo mode (LUECKENLOS_DEMO=1, set by `make run`) and without a mail server; 404 otherwise.
"""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template

bp = Blueprint("mailbox", __name__, url_prefix="/mailbox")


@bp.before_request
def only_in_demo_mode():
    if not current_app.config["DEMO_MODE"] or current_app.config["MAIL_SERVER"]:
        abort(404)


def _messages() -> list[tuple[str, email.message.EmailMessage]]:
    folder = Path(current_app.config["MAILBOX_DIR"])
    files = sorted(folder.glob("*.eml"), reverse=True) if folder.exists() else []
    return [(path.stem, email.message_from_bytes(path.read_bytes(), policy=email.policy.default)) for path in files]


@bp.route("/")
def index():
    return render_template("mailbox/index.html", messages=_messages())


@bp.route("/<name>")
def show(name: str):
    folder = Path(current_app.config["MAILBOX_DIR"])
    path = folder / f"{name}.eml"
    if not name.isdigit() or not path.exists():
        abort(404)
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    return render_template(
        "mailbox/show.html", name=name, message=message,
        text=text.get_content() if text else "", html=html.get_content() if html else "",
    )
