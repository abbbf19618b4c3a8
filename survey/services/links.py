"""Personal links in mails: filled in when a mail is sent, never kept in a stored body.

An outbox row carries `link_keys.LINK_PLACEHOLDER` where its link goes; the mail worker asks
`filled_in(row)` for the bodies to send. The link comes from the sealed token of the row's
invitation (invitation, reminder, "link" mails) or of its account token (set-password mails).
Also here: `rotate` (re-seal every token with the current key: `flask links rotate`) and
`migrate_legacy` (tokens of mails written before sealing: sealed, and their bodies cleaned:
`flask links migrate`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from cryptography.fernet import InvalidToken
from markupsafe import escape

from .. import link_keys
from ..extensions import db
from ..models import AccountToken, Invitation, OutboxMessage
from ..models.base import table_of
from .accounts import set_password_link
from .invitations import (
    current_token,
    respondent_link,
)
from .tokens import hash_token

PLACEHOLDER = link_keys.LINK_PLACEHOLDER
# A personal link as older code wrote it into a body: any base address, /r/ or /passwort/, the token.
_OLD_LINK = re.compile(r"https?://[^\s\"'<>]+?/(r|passwort)/([A-Za-z0-9_-]{16,})")


class LinkUnavailable(Exception):
    """The mail needs a link that can no longer be made (German reason for the planner)."""


def needs_link(row: OutboxMessage) -> bool:
    return PLACEHOLDER in row.body_text or PLACEHOLDER in (row.body_html or "")


def _account_token(row: OutboxMessage) -> AccountToken | None:
    return db.session.get(AccountToken, row.account_token_id) if row.account_token_id else None


def link_for(row: OutboxMessage) -> str:
    """The personal link of an outbox row, unsealed now; LinkUnavailable when no key opens it."""
    if row.account_token_id is not None:
        token_row = _account_token(row)
        token = link_keys.unseal(token_row.token_sealed) if token_row is not None else None
        if token_row is None or token is None or hash_token(token) != token_row.token_hash:
            raise LinkUnavailable("Der Link zum Festlegen des Passworts ist nicht mehr lesbar (kein Schlüssel in "
                                  "LINK_KEYS öffnet ihn). Bitte einen neuen Link anfordern.")
        return set_password_link(token)
    invitation = db.session.get(Invitation, row.invitation_id) if row.invitation_id else None
    token = current_token(invitation) if invitation is not None else None
    if token is None:
        raise LinkUnavailable("Der persönliche Link ist nicht mehr lesbar (kein Schlüssel in LINK_KEYS öffnet "
                              "ihn). Bitte die Einladung „mit neuem Link“ erneut senden.")
    return respondent_link(token)


def filled_in(row: OutboxMessage) -> tuple[str, str]:
    """Text and HTML body of the row as they are sent: with the link in place of the placeholder."""
    if not needs_link(row):
        return row.body_text, row.body_html or ""
    link = link_for(row)
    return row.body_text.replace(PLACEHOLDER, link), (row.body_html or "").replace(PLACEHOLDER, str(escape(link)))


def obsolete_reason(row: OutboxMessage) -> str:
    """Why a set-password mail is no longer wanted ("" if it is): its link was used or replaced.

    An expired link is still sent: its page says it expired and how to get a new one.
    """
    if row.kind not in ("account_invitation", "password_reset") or not needs_link(row):
        return ""
    token_row = _account_token(row)
    if token_row is None:
        return "Das Konto oder sein Link existiert nicht mehr."
    if token_row.used_at is not None:
        return "Der Link wurde inzwischen benutzt oder durch einen neueren ersetzt."
    return ""


def forget(row: OutboxMessage) -> None:
    """A set-password mail is out (or failed for good): its token is never mailed again, so drop its seal."""
    token_row = _account_token(row)
    if token_row is not None:
        token_row.token_sealed = None


# --- key rotation -----------------------------------------------------------------------------


@dataclass
class Rotated:
    invitations: int = 0
    account_tokens: int = 0
    mailbox_files: int = 0
    unreadable: int = 0  # sealed under a key no longer in LINK_KEYS: left as they are


def _reseal_column(column_table: sa.Table, report: Rotated, counter: str) -> None:
    rows = db.session.execute(sa.select(column_table.c.id, column_table.c.token_sealed)
                              .where(column_table.c.token_sealed.is_not(None))).all()
    updates = []
    for row_id, sealed in rows:
        try:
            updates.append({"row_id": row_id, "sealed": link_keys.reseal(sealed)})
        except InvalidToken:
            report.unreadable += 1
    if updates:
        db.session.execute(sa.update(column_table).where(column_table.c.id == sa.bindparam("row_id"))
                           .values(token_sealed=sa.bindparam("sealed")), updates)
    setattr(report, counter, len(updates))


def rotate(mailbox_dir: str | Path | None = None) -> Rotated:
    """Seal every stored token (and demo mailbox file) with the current key, the first of LINK_KEYS.

    Afterwards the older keys can be removed from LINK_KEYS. Flushes; the caller commits.
    """
    report = Rotated()
    _reseal_column(table_of(Invitation), report, "invitations")
    _reseal_column(table_of(AccountToken), report, "account_tokens")
    db.session.flush()
    for path in _mailbox_files(mailbox_dir):
        data = path.read_bytes()
        try:
            resealed = link_keys.keyring().rotate(data) if _sealed(data) else link_keys.seal_bytes(data)
        except InvalidToken:
            report.unreadable += 1
            continue
        _replace(path, resealed)
        report.mailbox_files += 1
    return report


def _mailbox_files(mailbox_dir: str | Path | None) -> list[Path]:
    folder = Path(mailbox_dir) if mailbox_dir else None
    return sorted(folder.glob("*.eml")) if folder is not None and folder.is_dir() else []


def _sealed(data: bytes) -> bool:
    return data.startswith(b"gAAAAA")  # every Fernet token starts with version byte 0x80


def _replace(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    temporary.chmod(0o600)
    temporary.replace(path)


# --- mails written before sealing ------------------------------------------------------------


@dataclass
class Migrated:
    invitations: int = 0  # tokens found in their mails and sealed
    account_tokens: int = 0
    bodies: int = 0  # outbox rows whose links were replaced by the placeholder
    mailbox_files: int = 0


def migrate_legacy(mailbox_dir: str | Path | None = None) -> Migrated:
    """Seal the tokens that older code left only in outbox bodies, and put the placeholder there instead.

    Invitations keep their link (a resend or reminder sends the same one). A set-password mail not
    yet sent is tied to its account token so the worker can fill it in. Idempotent; flushes.
    """
    report = Migrated()
    rows = db.session.scalars(sa.select(OutboxMessage).where(
        sa.or_(OutboxMessage.body_text.like("%/r/%"), OutboxMessage.body_text.like("%/passwort/%")))
        .order_by(OutboxMessage.id)).all()
    for row in rows:
        found = False
        for kind, token in _OLD_LINK.findall(row.body_text):
            found = True
            hashed = hash_token(token)
            if kind == "r":
                invitation = db.session.scalar(sa.select(Invitation).where(Invitation.token_hash == hashed))
                if invitation is not None and not invitation.token_sealed:
                    invitation.token_sealed = link_keys.seal(token)
                    report.invitations += 1
            else:
                token_row = db.session.scalar(sa.select(AccountToken).where(AccountToken.token_hash == hashed))
                if token_row is not None:
                    row.account_token_id = token_row.id
                    if token_row.used_at is None and row.sent_at is None and not token_row.token_sealed:
                        token_row.token_sealed = link_keys.seal(token)
                        report.account_tokens += 1
        if found:
            row.body_text = _OLD_LINK.sub(PLACEHOLDER, row.body_text)
            row.body_html = _OLD_LINK.sub(PLACEHOLDER, row.body_html or "")
            report.bodies += 1
    db.session.flush()
    for path in _mailbox_files(mailbox_dir):
        data = path.read_bytes()
        if not _sealed(data):
            _replace(path, link_keys.seal_bytes(data))
            report.mailbox_files += 1
    return report


def scrub_free_space() -> None:
    """Overwrite what the database keeps of replaced bodies (SQLite: VACUUM and an emptied WAL;
    PostgreSQL: VACUUM FULL of the outbox). Run after `migrate_legacy` was committed."""
    engine = db.engine
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("VACUUM")
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        elif engine.dialect.name == "postgresql":
            connection.exec_driver_sql("VACUUM FULL outbox_message")
