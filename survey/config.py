"""Configuration: safe defaults, overridden by environment variables; paths resolved once."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = PROJECT_ROOT / "templates"
STATIC_DIR = PROJECT_ROOT / "static"
QUESTIONNAIRES_DIR = PROJECT_ROOT / "questionnaires" / "data"
DEFAULT_INSTANCE_DIR = PROJECT_ROOT / "instance"


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "ja"}


def secret_key(instance_dir: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in instance/secret_key."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
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
        "SQLALCHEMY_DATABASE_URI": database,
        "BASE_URL": base_url,
        # Behind HTTPS the cookies must never travel over plain HTTP.
        "SESSION_COOKIE_SECURE": base_url.startswith("https://"),
        "REMEMBER_COOKIE_SECURE": base_url.startswith("https://"),
        "MAIL_SERVER": mail_server,
        "MAIL_PORT": int(env("MAIL_PORT") or 25),
        "MAIL_USE_TLS": _bool(env("MAIL_USE_TLS")),
        "MAIL_USE_SSL": _bool(env("MAIL_USE_SSL")),
        "MAIL_USERNAME": env("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": env("MAIL_DEFAULT_SENDER") or "Lückenlos <noreply@lueckenlos.invalid>",
        # Without MAIL_SERVER mails go to a folder that /mailbox shows in the browser.
        "MAILBOX_DIR": env("MAILBOX_DIR") or str(instance_dir / "mailbox"),
        "MAIL_RATE_PER_MINUTE": int(env("MAIL_RATE_PER_MINUTE") or 0),
        "DEMO_MODE": _bool(env("LUECKENLOS_DEMO"), default=not mail_server),
        "MIN_GROUP_SIZE": int(env("MIN_GROUP_SIZE") or 3),
    }


DEFAULTS = {
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "WTF_CSRF_TIME_LIMIT": None,  # tied to the session instead; planners keep tabs open too
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    "JSON_SORT_KEYS": False,
}
