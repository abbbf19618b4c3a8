"""Where bounce messages are read from: a Maildir (stdlib `mailbox`) or an IMAP folder (thin `imaplib`).

Both give `(key, raw bytes)` pairs and are told `done(key)` after the message's outcome was
committed, so a crash in between only means reading it again (the bounce's Message-ID makes
that a no-op). Processed messages are moved out of the way, never deleted:
Maildir → the subfolder `.Verarbeitet`; IMAP → flagged \\Seen (and moved to
`BOUNCE_IMAP_DONE_FOLDER` when set).
"""

from __future__ import annotations

import imaplib
import mailbox
from collections.abc import Iterator
from pathlib import Path

DONE_FOLDER = "Verarbeitet"


class MaildirSource:
    """Reads every message of the Maildir's inbox (new/ and cur/); processed ones go to `.Verarbeitet`."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not (self.path / "new").is_dir() or not (self.path / "cur").is_dir():
            raise FileNotFoundError(f"{self.path} ist kein Maildir-Ordner (new/ und cur/ fehlen).")
        self.box = mailbox.Maildir(self.path, factory=None, create=False)

    @property
    def name(self) -> str:
        return f"maildir:{self.path}"

    def messages(self) -> Iterator[tuple[str, bytes]]:
        self.box.clean()  # tmp/ leftovers older than 36 h
        for key in sorted(self.box.keys()):
            yield key, self.box.get_bytes(key)

    def done(self, key: str) -> None:
        folder = self.box.add_folder(DONE_FOLDER)  # Maildir++ ".Verarbeitet", created once
        message = self.box.get_message(key)
        message.set_subdir("cur")
        message.add_flag("S")
        folder.add(message)
        self.box.discard(key)

    def close(self) -> None:
        self.box.close()


class ImapSource:
    """Unread messages of one IMAP folder; processed ones are flagged \\Seen (and moved, if configured)."""

    def __init__(self, host: str, user: str, password: str, port: int = 993, folder: str = "INBOX",
                 done_folder: str = "", ssl: bool = True) -> None:
        self.host, self.folder, self.done_folder = host, folder, done_folder
        self.imap = imaplib.IMAP4_SSL(host, port) if ssl else imaplib.IMAP4(host, port)
        if not ssl:
            self.imap.starttls()
        self.imap.login(user, password)
        status, _ = self.imap.select(_quote(folder))
        if status != "OK":
            raise OSError(f"IMAP-Ordner {folder!r} lässt sich nicht öffnen.")

    @property
    def name(self) -> str:
        return f"imap:{self.host}/{self.folder}"

    def messages(self) -> Iterator[tuple[str, bytes]]:
        _status, data = self.imap.uid("SEARCH", "UNSEEN")
        for uid in (data[0] or b"").split():
            _status, parts = self.imap.uid("FETCH", uid.decode("ascii"), "(BODY.PEEK[])")
            raw = next((p[1] for p in parts if isinstance(p, tuple)), None)
            if raw is not None:
                yield uid.decode(), raw

    def done(self, key: str) -> None:
        self.imap.uid("STORE", key, "+FLAGS", "(\\Seen)")
        if self.done_folder and "MOVE" in self.imap.capabilities:  # RFC 6851
            self.imap.uid("MOVE", key, _quote(self.done_folder))
        elif self.done_folder:
            status, _ = self.imap.uid("COPY", key, _quote(self.done_folder))
            if status == "OK":
                self.imap.uid("STORE", key, "+FLAGS", "(\\Deleted)")
                self.imap.expunge()

    def close(self) -> None:
        try:
            self.imap.close()
            self.imap.logout()
        except (OSError, imaplib.IMAP4.error):
            pass


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def from_config(config: dict, maildir: str | None) -> MaildirSource | ImapSource | None:
    """The Maildir given (or BOUNCE_MAILDIR), else the IMAP folder of BOUNCE_IMAP_HOST; None if neither is set."""
    path = maildir or config.get("BOUNCE_MAILDIR")
    if path:
        return MaildirSource(path)
    if config.get("BOUNCE_IMAP_HOST"):
        if str(config.get("BOUNCE_IMAP_PASSWORD") or "").upper().startswith("CHANGE-ME"):
            raise ValueError("BOUNCE_IMAP_PASSWORD hat noch den Beispielwert aus deploy/lueckenlos.env.example.")
        return ImapSource(config["BOUNCE_IMAP_HOST"], config.get("BOUNCE_IMAP_USER") or "",
                          config.get("BOUNCE_IMAP_PASSWORD") or "", port=config.get("BOUNCE_IMAP_PORT") or 993,
                          folder=config.get("BOUNCE_IMAP_FOLDER") or "INBOX",
                          done_folder=config.get("BOUNCE_IMAP_DONE_FOLDER") or "",
                          ssl=config.get("BOUNCE_IMAP_SSL", True))
    return None
