"""The link keyring: personal links (respondent and set-password tokens) encrypted at rest.

A token is stored twice: as its SHA-256 (the lookup when a link is opened) and sealed with the
link keyring (Fernet: AES-128-CBC + HMAC-SHA256), so a resend, a reminder or the mail worker can
put the same link into a mail again. Nothing else in the database or the instance folder holds a
token: outbox rows carry `LINK_PLACEHOLDER` where the link goes, and delivery fills it in.

The keys come from `LINK_KEYS` (comma-separated Fernet keys, the first one encrypts, every one
decrypts: `cryptography`'s MultiFernet), never from SECRET_KEY, so rotating the secret key ends
sessions but no link. Rotation: put a new key first, run `flask links rotate` (re-seals every
token with it), then drop the old key. Production without LINK_KEYS does not start
(`startup_checks.link_keys`); demo mode and tests use a key generated once into the instance
folder (`instance/link_key`), like the generated SECRET_KEY.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import Flask, current_app

KEY_FILE = "link_key"
# Where the link goes in a stored mail body; URL-safe, so HTML escaping leaves it as it is.
LINK_PLACEHOLDER = "https://link.lueckenlos.invalid/wird-beim-versand-eingesetzt"


class LinkKeyError(ValueError):
    """LINK_KEYS holds something that is not a Fernet key (German/English message)."""


def new_key() -> str:
    """A fresh Fernet key (what `flask links new-key` prints)."""
    return Fernet.generate_key().decode("ascii")


def instance_key(instance_dir: Path) -> str:
    """The key of demo mode and tests: generated once, kept in instance/link_key (0600)."""
    path = Path(instance_dir) / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{KEY_FILE}.{secrets.token_hex(4)}")
        temporary.write_text(new_key())
        temporary.chmod(0o600)
        temporary.replace(path)
    return path.read_text().strip()


def key_list(value: object) -> list[str]:
    """LINK_KEYS as a list: a comma-separated string (the environment) or a list (tests)."""
    items = [str(v) for v in value] if isinstance(value, (list, tuple)) else str(value or "").split(",")
    return [item.strip().strip("\"'") for item in items if item.strip().strip("\"'")]


def problems(value: object) -> list[str]:
    """What is wrong with LINK_KEYS (empty: nothing), one sentence per key."""
    found = []
    for position, key in enumerate(key_list(value), start=1):
        try:
            Fernet(key.encode("ascii"))
        except (ValueError, UnicodeEncodeError):
            found.append(f"LINK_KEYS: der {position}. Schlüssel ist kein Fernet-Schlüssel (32 Byte, URL-sicheres "
                         "Base64, 44 Zeichen; erzeugen mit: flask links new-key). / "
                         f"LINK_KEYS: key number {position} is not a Fernet key.")
    return found


def build(value: object) -> MultiFernet:
    keys = key_list(value)
    if not keys or problems(value):
        raise LinkKeyError(" ".join(problems(value)) or "LINK_KEYS ist leer. / LINK_KEYS is empty.")
    return MultiFernet([Fernet(key.encode("ascii")) for key in keys])


def init_app(app: Flask) -> None:
    """Build the keyring once (after the startup checks accepted LINK_KEYS)."""
    app.extensions["link_keyring"] = build(app.config["LINK_KEYS"])


def keyring() -> MultiFernet:
    return current_app.extensions["link_keyring"]


def seal(token: str) -> str:
    """The token encrypted with the current key (what the database stores)."""
    return keyring().encrypt(token.encode("utf-8")).decode("ascii")


def unseal(sealed: str | None) -> str | None:
    """The token of a sealed value, or None when no key of the ring opens it (or there is none)."""
    if not sealed:
        return None
    try:
        return keyring().decrypt(sealed.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError):
        return None


def reseal(sealed: str) -> str:
    """The same token sealed with the current key (InvalidToken when no key of the ring opens it)."""
    return keyring().rotate(sealed.encode("ascii")).decode("ascii")


def seal_bytes(data: bytes) -> bytes:
    return keyring().encrypt(data)


def unseal_bytes(data: bytes) -> bytes | None:
    try:
        return keyring().decrypt(data)
    except InvalidToken:
        return None
