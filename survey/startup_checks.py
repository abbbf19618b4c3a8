"""Startup checks: a configuration that would fail later, or silently, stops the start at once.

`run(app)` runs every check in `CHECKS` after the configuration is complete and before anything is
served; each check returns its problems, one sentence each, German first, then English, naming the
environment variable to fix. All problems are reported together (`config.ConfigError`, a
SystemExit: `flask …` and gunicorn end with the message instead of a traceback). Later issues add
their checks to `CHECKS`. Warnings (`WARNINGS`) are logged and do not stop the start.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from email.utils import getaddresses, parseaddr
from pathlib import Path

from flask import Flask

from questionnaires import Catalogue, load_catalogue

from .config import EXAMPLE_SECRET_PREFIX, ConfigError

Check = Callable[[Flask], list[str]]
_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


def _production(app: Flask) -> bool:
    return not (app.testing or app.config.get("DEMO_MODE"))


def secret_key(app: Flask) -> list[str]:
    """Outside demo and tests the operator sets SECRET_KEY, and not to the example's placeholder."""
    if not _production(app):
        return []
    key = str(app.config.get("SECRET_KEY") or "")
    if not key.strip():
        return ["SECRET_KEY fehlt: ohne Demomodus muss die Umgebung einen geheimen Schlüssel setzen "
                "(erzeugen mit: python3 -c \"import secrets; print(secrets.token_hex(32))\"). / "
                "SECRET_KEY is not set; outside demo mode it must come from the environment."]
    if key.strip().upper().startswith(EXAMPLE_SECRET_PREFIX):
        return ["SECRET_KEY hat noch den Beispielwert aus deploy/lueckenlos.env.example; "
                "bitte einen eigenen zufälligen Wert eintragen. / "
                "SECRET_KEY still has the example value; set a random one."]
    return []


def link_keys(app: Flask) -> list[str]:
    """LINK_KEYS holds Fernet keys; outside demo and tests it must be set (demo and tests generate one)."""
    from . import link_keys as keyring

    if not keyring.key_list(app.config.get("LINK_KEYS")):
        if not _production(app):
            return []
        return ["LINK_KEYS fehlt: ohne Demomodus muss die Umgebung den Schlüssel für die persönlichen Links "
                "setzen (erzeugen mit: flask links new-key, oder python3 -c \"from cryptography.fernet import "
                "Fernet; print(Fernet.generate_key().decode())\"). Er ist unabhängig von SECRET_KEY; geht er "
                "verloren, öffnet kein versendeter Link mehr eine Befragung. / LINK_KEYS is not set; outside "
                "demo mode it must come from the environment (comma-separated Fernet keys, current first)."]
    if any(key.upper().startswith(EXAMPLE_SECRET_PREFIX) for key in keyring.key_list(app.config.get("LINK_KEYS"))):
        return ["LINK_KEYS hat noch den Beispielwert aus deploy/lueckenlos.env.example; bitte einen eigenen Schlüssel "
                "eintragen (erzeugen mit: flask links new-key). / LINK_KEYS still has the example value."]
    return keyring.problems(app.config.get("LINK_KEYS"))


def mail(app: Flask) -> list[str]:
    """SMTP settings that contradict each other or cannot work."""
    config = app.config
    problems = []
    if config.get("MAIL_USE_TLS") and config.get("MAIL_USE_SSL"):
        problems.append("MAIL_USE_TLS und MAIL_USE_SSL schließen sich aus: STARTTLS (meist Port 587) oder SSL "
                        "(meist Port 465), nicht beides. / MAIL_USE_TLS and MAIL_USE_SSL are exclusive.")
    if bool(config.get("MAIL_USERNAME")) != bool(config.get("MAIL_PASSWORD")):
        problems.append("MAIL_USERNAME und MAIL_PASSWORD gehören zusammen: entweder beide setzen oder keins. / "
                        "MAIL_USERNAME and MAIL_PASSWORD must be set together.")
    if config.get("MAIL_SERVER") and str(config.get("MAIL_PASSWORD") or "").upper().startswith(EXAMPLE_SECRET_PREFIX):
        problems.append("MAIL_PASSWORD hat noch den Beispielwert aus deploy/lueckenlos.env.example. / "
                        "MAIL_PASSWORD still has the example value.")
    port = config.get("MAIL_PORT")
    if not isinstance(port, int) or not 0 < port < 65536:
        problems.append(f"MAIL_PORT={port!r} ist kein gültiger Port (1–65535). / MAIL_PORT is not a valid port.")
    return problems + sender(app)


# Domains that can never receive mail or pass SPF (RFC 2606, RFC 6761).
_RESERVED_TLDS = ("invalid", "test", "example", "localhost", "local")
_RESERVED_DOMAINS = ("example.com", "example.net", "example.org")


def sender(app: Flask) -> list[str]:
    """MAIL_DEFAULT_SENDER is one address (a display name with a comma must be quoted) and, once a
    relay is set outside demo and tests, one at a real domain: the From address of every mail."""
    configured = app.config.get("MAIL_DEFAULT_SENDER")
    text = f"{configured[0]} <{configured[1]}>" if isinstance(configured, tuple) else str(configured or "")
    parsed = getaddresses([text])
    if len(parsed) > 1:
        return [f"MAIL_DEFAULT_SENDER={text!r}: das Komma im Namen trennt ihn in {len(parsed)} Adressen; "
                "den Namen bitte in Anführungszeichen setzen, in der Env-Datei: "
                "MAIL_DEFAULT_SENDER='\"Stadt Musterhausen, Jugendamt\" <lueckenlos@musterhausen.de>'. / "
                "MAIL_DEFAULT_SENDER: the comma in the display name splits it; quote the name."]
    address = parseaddr(text)[1]
    if not _ADDRESS.match(address):
        return [f"MAIL_DEFAULT_SENDER={configured!r} enthält keine gültige E-Mail-Adresse "
                "(Beispiel: Lückenlos Stadt Musterhausen <lueckenlos@example.de>). / "
                "MAIL_DEFAULT_SENDER holds no valid address."]
    domain = address.rpartition("@")[2].lower().rstrip(".")
    reserved = domain.rpartition(".")[2] in _RESERVED_TLDS or domain.endswith(_RESERVED_DOMAINS)
    if reserved and _production(app) and app.config.get("MAIL_SERVER"):
        return [f"MAIL_DEFAULT_SENDER={text!r}: die Domain {domain} kann keine E-Mail empfangen und keine "
                "SPF-/DKIM-Prüfung bestehen; mit einem Mailserver (MAIL_SERVER) bitte eine Adresse der Domain "
                "eintragen, die die Kommune verwaltet (siehe docs/deploy.md, „E-Mail: Absender, SPF, DKIM, "
                "DMARC“). / MAIL_DEFAULT_SENDER uses a reserved domain; with MAIL_SERVER set, use a real one."]
    return []


def catalogue(app: Flask) -> list[str]:
    """The question catalogue has at least one question (an empty one makes every survey empty)."""
    loaded: Catalogue | None = app.extensions.get("catalogue")
    if loaded is None or not any(module.questions for module in loaded.modules):
        return [f"Der Fragenkatalog in {app.config['CATALOGUE_DIR']} ist leer oder fehlt (keine Frage in "
                "*.toml gefunden); bitte CATALOGUE_DIR prüfen oder das Paket neu installieren. / "
                "The question catalogue is empty or missing."]
    return []


def mail_is_held(app: Flask) -> list[str]:
    """Warning: outside demo mode without MAIL_SERVER, mails are held in the outbox (the dashboard says so)."""
    if _production(app) and not app.config.get("MAIL_SERVER"):
        return ["MAIL_SERVER fehlt: E-Mails werden nicht versendet, sie warten im Postausgang, bis ein Mailserver "
                "eingetragen ist. / MAIL_SERVER is not set; mails are held in the outbox until it is."]
    return []


def retention(app: Flask) -> list[str]:
    """The retention period must be a positive number of days (0 would delete at closing)."""
    days = app.config.get("CONTACT_RETENTION_DAYS", 183)
    if not isinstance(days, int) or days < 1:
        return [f"CONTACT_RETENTION_DAYS={days!r}: die Löschfrist muss eine ganze Zahl von Tagen ab 1 sein. / "
                "CONTACT_RETENTION_DAYS must be a whole number of days, at least 1."]
    return []


CHECKS: list[Check] = [secret_key, link_keys, mail, catalogue, retention]
WARNINGS: list[Check] = [mail_is_held]


def load(directory: Path | str) -> Catalogue:
    """The catalogue of `directory`; a missing or unreadable folder stops the start with its path.

    A catalogue with errors raises `CatalogueError` listing every problem (wsgi.py prints them).
    """
    path = Path(directory)
    if not path.is_dir():
        raise ConfigError(f"Lückenlos startet nicht: der Ordner des Fragenkatalogs {path} fehlt "
                          "(CATALOGUE_DIR). / The catalogue folder does not exist.")
    try:
        return load_catalogue(path)
    except OSError as error:
        raise ConfigError(f"Lückenlos startet nicht: der Fragenkatalog in {path} ist nicht lesbar ({error}). / "
                          "The catalogue cannot be read.") from None


def run(app: Flask) -> None:
    """Stop the start when any check finds a problem; log the warnings."""
    problems = [problem for check in CHECKS for problem in check(app)]
    if problems:
        raise ConfigError("Lückenlos startet nicht, die Konfiguration ist unvollständig:\n"
                          + "\n".join(f"  - {problem}" for problem in problems))
    for warning in WARNINGS:
        for message in warning(app):
            app.logger.warning(message)
