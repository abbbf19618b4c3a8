"""Configuration: safe defaults, overridden by environment variables; paths resolved once.

The folders the app reads (templates, static files, migrations) live at the top of the checkout.
An installed wheel carries copies of them inside the package, under `survey/_bundled/` (setup.py's
build step puts them there), so the app finds them through `importlib.resources` in an install
and in the checkout otherwise. The catalogue data is package data of `questionnaires` either way.
"""

from __future__ import annotations

import os
import secrets
import sys
from importlib.resources import files
from pathlib import Path

from questionnaires.loader import DATA_DIR

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUNDLE_DIR = Path(str(files(__package__))) / "_bundled"
# A checkout (also an editable install) has no bundle; a wheel install has one and no checkout.
INSTALLED = BUNDLE_DIR.is_dir()
_ROOT = BUNDLE_DIR if INSTALLED else PROJECT_ROOT
TEMPLATES_DIR = _ROOT / "templates"
STATIC_DIR = _ROOT / "static"
MIGRATIONS_DIR = _ROOT / "migrations"
QUESTIONNAIRES_DIR = DATA_DIR
# Flask's convention for installed apps (<prefix>/var/<name>-instance); `./instance` in a checkout.
DEFAULT_INSTANCE_DIR = Path(sys.prefix) / "var" / "lueckenlos-instance" if INSTALLED else PROJECT_ROOT / "instance"
EXAMPLE_SECRET_PREFIX = "CHANGE-ME"  # the placeholder in deploy/lueckenlos.env.example


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "ja"}


class ConfigError(SystemExit):
    """A setting that makes no sense; stops the start with a message naming the variable.

    A SystemExit, so `flask …`, gunicorn and `python -c` all end with the message, not a traceback.
    """


def _int(name: str, default: int) -> int:
    value = (os.environ.get(name) or "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"Lückenlos startet nicht: {name}={value!r} ist keine ganze Zahl. / "
                          f"{name} must be a whole number.") from None


def secret_key(instance_dir: Path) -> str:
    """One generated once and kept in instance/secret_key (demo and tests; production sets SECRET_KEY)."""
    path = instance_dir / "secret_key"
    if not path.exists():
        instance_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def from_environment(instance_dir: Path) -> dict:
    """Settings read from environment variables, with the embedded defaults."""
    env = os.environ.get
    database = env("DATABASE_URL") or f"sqlite:///{instance_dir / 'lueckenlos.sqlite'}"
    mail_server = env("MAIL_SERVER") or ""
    base_url = (env("BASE_URL") or "http://127.0.0.1:5000").rstrip("/")
    return {
        "SECRET_KEY": env("SECRET_KEY") or "",
        # Fernet keys sealing the personal links at rest, comma-separated, the first one current
        # (survey/link_keys.py); separate from SECRET_KEY so rotating that one keeps every link.
        "LINK_KEYS": env("LINK_KEYS") or "",
        "SQLALCHEMY_DATABASE_URI": database,
        "BASE_URL": base_url,
        # Behind HTTPS the cookies must never travel over plain HTTP.
        "SESSION_COOKIE_SECURE": base_url.startswith("https://"),
        "REMEMBER_COOKIE_SECURE": base_url.startswith("https://"),
        "MAIL_SERVER": mail_server,
        "MAIL_PORT": _int("MAIL_PORT", 25),
        "MAIL_USE_TLS": _bool(env("MAIL_USE_TLS")),
        "MAIL_USE_SSL": _bool(env("MAIL_USE_SSL")),
        "MAIL_USERNAME": env("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": env("MAIL_DEFAULT_SENDER") or "Lückenlos <noreply@lueckenlos.invalid>",
        # Without MAIL_SERVER mails go to a folder that /mailbox shows in the browser.
        "MAILBOX_DIR": env("MAILBOX_DIR") or str(instance_dir / "mailbox"),
        "MAIL_RATE_PER_MINUTE": _int("MAIL_RATE_PER_MINUTE", 0),  # all mail workers together
        # How long a worker's claim on a mail holds without renewal (it renews while it sends).
        "MAIL_LEASE_SECONDS": _int("MAIL_LEASE_SECONDS", 300),
        # Seconds between two heartbeats of a worker (mail, jobs); the dashboard warns after 2 minutes.
        "WORKER_BEAT_SECONDS": _int("WORKER_BEAT_SECONDS", 15),
        # Explicit only (`make run` sets it): demo mailbox, demo data, a generated secret key.
        "DEMO_MODE": _bool(env("LUECKENLOS_DEMO")),
        "MIN_GROUP_SIZE": _int("MIN_GROUP_SIZE", 3),
        # Days after a survey's closing (and after a register contact's last confirmation) until the
        # contact persons' names and addresses are deleted (services/retention.py); 183 ≈ 6 months.
        "CONTACT_RETENTION_DAYS": _int("CONTACT_RETENTION_DAYS", 183),
        # Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host are believed
        # (nginx on the same host: 1). 0 = none: the client address is the socket's peer.
        "TRUSTED_PROXIES": _int("TRUSTED_PROXIES", 0),
        # Where `flask mail bounces` reads delivery-status notifications: a Maildir, else IMAP.
        "BOUNCE_MAILDIR": env("BOUNCE_MAILDIR") or "",
        "BOUNCE_IMAP_HOST": env("BOUNCE_IMAP_HOST") or "",
        "BOUNCE_IMAP_PORT": _int("BOUNCE_IMAP_PORT", 993),
        "BOUNCE_IMAP_SSL": _bool(env("BOUNCE_IMAP_SSL") or "1"),
        "BOUNCE_IMAP_USER": env("BOUNCE_IMAP_USER") or "",
        "BOUNCE_IMAP_PASSWORD": env("BOUNCE_IMAP_PASSWORD") or "",
        "BOUNCE_IMAP_FOLDER": env("BOUNCE_IMAP_FOLDER") or "INBOX",
        "BOUNCE_IMAP_DONE_FOLDER": env("BOUNCE_IMAP_DONE_FOLDER") or "",
    }


DEFAULTS = {
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "WTF_CSRF_TIME_LIMIT": None,  # tied to the session instead; planners keep tabs open too
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    # Respondent posts are read with bounded memory (survey/bounded_form.py), so they may be larger:
    # a pasted monster in one field must not cost the answers beside it (nginx: location /r/).
    "RESPONDENT_MAX_POST": 64 * 1024 * 1024,
    "JSON_SORT_KEYS": False,
    # werkzeug's password hash; not read from the environment. The test suite passes a cheap one
    # through create_app(test_config) (scrypt costs ~0.2 s per hash and per login).
    "PASSWORD_HASH_METHOD": "scrypt",
}
