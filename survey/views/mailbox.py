"""/mailbox: the local mailbox of the embedded setup, so a newcomer can follow every mail in the browser.

Only in demo mode (LUECKENLOS_DEMO=1, set by `make run`) and without a mail server; 404 otherwise.
Only for logged-in users, and each sees only the mails of their own Kommune (the mailbox writer
marks every file with `X-Lueckenlos-Kommune`). The files are sealed with the link keyring
(`delivery.MailboxSender`): what was sent, links included, is shown here, but the folder itself
holds no link in clear. A file no key opens any more (or an unsealed one) is not listed.
"""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, render_template
from flask_login import current_user

from .. import link_keys
from ..extensions import login

bp = Blueprint("mailbox", __name__, url_prefix="/mailbox")


@bp.before_request
def only_in_demo_mode():
    if not current_app.config["DEMO_MODE"] or current_app.config["MAIL_SERVER"]:
        abort(404)
    if not current_user.is_authenticated:
        return login.unauthorized()
    return None


def _own(message: email.message.EmailMessage) -> bool:
    return message.get("X-Lueckenlos-Kommune", "") == str(current_user.kommune_id)


def _read(path: Path) -> email.message.EmailMessage | None:
    """The mail of a sealed mailbox file (None when no key of LINK_KEYS opens it)."""
    data = link_keys.unseal_bytes(path.read_bytes())
    return None if data is None else email.message_from_bytes(data, policy=email.policy.default)


def _messages() -> list[tuple[str, email.message.EmailMessage]]:
    folder = Path(current_app.config["MAILBOX_DIR"])
    files = sorted(folder.glob("*.eml"), reverse=True) if folder.exists() else []
    messages = [(path.stem, _read(path)) for path in files]
    return [(name, message) for name, message in messages if message is not None and _own(message)]


@bp.route("/")
def index():
    return render_template("mailbox/index.html", messages=_messages())


def _message(name: str) -> email.message.EmailMessage:
    path = Path(current_app.config["MAILBOX_DIR"]) / f"{name}.eml"
    if not name.isdigit() or not path.exists():
        abort(404)
    message = _read(path)
    if message is None or not _own(message):
        abort(404)
    return message


@bp.route("/<name>")
def show(name: str):
    message = _message(name)
    text = message.get_body(("plain",))
    return render_template("mailbox/show.html", name=name, message=message,
                           text=text.get_content() if text else "", has_html=message.get_body(("html",)) is not None)


# The mail's own HTML, for the preview frame: its inline styles are allowed here only, in a
# sandbox (no script, no form, no same-origin access), framed only by our own mailbox page.
MAIL_PREVIEW_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox; "
                               "frame-ancestors 'self'",
    "X-Frame-Options": "SAMEORIGIN",
}


@bp.route("/<name>/html")
def show_html(name: str):
    html = _message(name).get_body(("html",))
    if html is None:
        abort(404)
    return Response(html.get_content(), mimetype="text/html", headers=MAIL_PREVIEW_HEADERS)
