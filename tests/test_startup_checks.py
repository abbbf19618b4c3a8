"""Startup checks: production refuses a configuration that would fail later or silently."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from survey import create_app
from survey.config import ConfigError
from survey.link_keys import new_key

ROOT = Path(__file__).resolve().parent.parent
ENV_EXAMPLE = ROOT / "deploy" / "lueckenlos.env.example"


def _example_value(name: str) -> str:
    match = re.search(rf"^{name}=(.*)$", ENV_EXAMPLE.read_text(), re.MULTILINE)
    assert match, f"{name} is not in {ENV_EXAMPLE.name}"
    return match.group(1).strip().strip('"')


@pytest.fixture
def production(tmp_path, monkeypatch):
    """A production-like environment: no demo mode, a secret, a mail server; tests change one thing."""
    for name in ("LUECKENLOS_DEMO", "MAIL_USERNAME", "MAIL_PASSWORD", "MAIL_USE_TLS", "MAIL_USE_SSL",
                 "MAIL_DEFAULT_SENDER", "MAIL_PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LUECKENLOS_INSTANCE", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "a-real-random-secret-of-the-operator")
    monkeypatch.setenv("LINK_KEYS", new_key())
    monkeypatch.setenv("MAIL_SERVER", "relay.example")
    # with a relay, a real domain
    monkeypatch.setenv("MAIL_DEFAULT_SENDER", "Stadt Musterhausen <lueckenlos@musterhausen.de>")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.sqlite'}")
    return monkeypatch


def test_production_like_environment_starts(production):
    assert create_app().config["SECRET_KEY"] == "a-real-random-secret-of-the-operator"


@pytest.mark.parametrize("value", ["", "   ", "CHANGE-ME", "change-me", "CHANGE-ME-bitte-ersetzen", "<from-example>"])
def test_missing_or_example_secret_key_stops_the_start_naming_it(production, tmp_path, value):
    value = _example_value("SECRET_KEY") if value == "<from-example>" else value
    production.setenv("SECRET_KEY", value)
    with pytest.raises(ConfigError, match="SECRET_KEY") as stopped:
        create_app()
    assert "Beispielwert" in str(stopped.value) or "fehlt" in str(stopped.value)
    assert not (tmp_path / "secret_key").exists()  # nothing generated behind the operator's back


def test_demo_mode_generates_a_secret_key_instead(production, tmp_path):
    production.delenv("SECRET_KEY")
    production.setenv("LUECKENLOS_DEMO", "1")
    app = create_app()
    assert app.config["DEMO_MODE"] is True
    assert app.secret_key == (tmp_path / "secret_key").read_text().strip()


@pytest.mark.parametrize(("settings", "variable"), [
    ({"MAIL_USE_TLS": "true", "MAIL_USE_SSL": "true"}, "MAIL_USE_SSL"),
    ({"MAIL_USERNAME": "lueckenlos"}, "MAIL_PASSWORD"),
    ({"MAIL_PASSWORD": "geheim"}, "MAIL_USERNAME"),
    ({"MAIL_USERNAME": "lueckenlos", "MAIL_PASSWORD": "CHANGE-ME"}, "MAIL_PASSWORD"),
    ({"MAIL_DEFAULT_SENDER": "Lückenlos Stadt Musterhausen"}, "MAIL_DEFAULT_SENDER"),
    ({"MAIL_PORT": "587x"}, "MAIL_PORT"),
    ({"MAIL_PORT": "70000"}, "MAIL_PORT"),
    ({"MIN_GROUP_SIZE": "drei"}, "MIN_GROUP_SIZE"),
])
def test_inconsistent_mail_settings_stop_the_start_naming_the_variable(production, settings, variable):
    for name, value in settings.items():
        production.setenv(name, value)
    with pytest.raises(ConfigError, match=variable):
        create_app()


def test_all_problems_are_listed_at_once(production):
    production.setenv("SECRET_KEY", "CHANGE-ME")
    production.setenv("MAIL_USE_TLS", "1")
    production.setenv("MAIL_USE_SSL", "1")
    with pytest.raises(ConfigError) as stopped:
        create_app()
    assert "SECRET_KEY" in str(stopped.value) and "MAIL_USE_TLS" in str(stopped.value)


def test_the_example_sender_is_accepted(production):
    production.setenv("MAIL_DEFAULT_SENDER", _example_value("MAIL_DEFAULT_SENDER"))
    assert create_app().config["MAIL_DEFAULT_SENDER"].endswith("<lueckenlos@example.de>")


def test_empty_catalogue_stops_the_start(production, tmp_path):
    (tmp_path / "leer").mkdir()
    with pytest.raises(ConfigError, match="Fragenkatalog .* ist leer"):
        create_app({"CATALOGUE_DIR": str(tmp_path / "leer")})


def test_missing_catalogue_folder_stops_the_start_naming_it(production, tmp_path):
    with pytest.raises(ConfigError, match="Ordner des Fragenkatalogs .*gibt-es-nicht.* fehlt"):
        create_app({"CATALOGUE_DIR": str(tmp_path / "gibt-es-nicht")})


def test_unreadable_catalogue_stops_the_start(production, tmp_path):
    (tmp_path / "kaputt" / "akteur.toml").mkdir(parents=True)  # a folder where a file must be: unreadable
    with pytest.raises(ConfigError, match="nicht lesbar"):
        create_app({"CATALOGUE_DIR": str(tmp_path / "kaputt")})


def test_empty_catalogue_stops_even_tests_and_the_demo(production, tmp_path):
    (tmp_path / "leer").mkdir()
    production.setenv("LUECKENLOS_DEMO", "1")
    with pytest.raises(ConfigError, match="leer"):
        create_app({"TESTING": True, "CATALOGUE_DIR": str(tmp_path / "leer")})


def test_production_without_mail_server_warns_that_mails_stay_in_a_folder(production, caplog):
    production.delenv("MAIL_SERVER")
    with caplog.at_level(logging.WARNING):
        create_app()
    assert any("MAIL_SERVER fehlt" in record.getMessage() for record in caplog.records)


def test_flask_command_stops_with_the_message_and_no_traceback(tmp_path):
    """What an operator sees: `flask db upgrade` with the example env file's secret."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("MAIL_", "LUECKENLOS_"))}
    env.update(LUECKENLOS_INSTANCE=str(tmp_path), SECRET_KEY=_example_value("SECRET_KEY"), FLASK_APP="wsgi.py",
               DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite'}", MAIL_SERVER="relay.example")
    result = subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "Lückenlos startet nicht" in result.stderr and "SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "x.sqlite").exists()


@pytest.mark.parametrize(("sender", "says"), [
    ("Stadt Musterhausen, Jugendamt <lueckenlos@musterhausen.de>", "Komma im Namen"),
    ("Lückenlos <noreply@lueckenlos.invalid>", "lueckenlos.invalid kann keine E-Mail empfangen"),
    ("lueckenlos@umfrage.example", "umfrage.example"),
    ("Stadt <post@example.org>", "example.org"),
])
def test_a_sender_that_would_break_from_stops_the_start_with_a_relay(production, sender, says):
    production.setenv("MAIL_DEFAULT_SENDER", sender)
    with pytest.raises(ConfigError, match="MAIL_DEFAULT_SENDER") as stopped:
        create_app()
    assert says in str(stopped.value)


def test_a_quoted_name_with_a_comma_is_one_sender_and_reserved_domains_are_fine_without_relay(production):
    production.setenv("MAIL_DEFAULT_SENDER", '"Stadt Musterhausen, Jugendamt" <lueckenlos@musterhausen.de>')
    assert create_app().config["MAIL_DEFAULT_SENDER"].startswith('"Stadt Musterhausen, Jugendamt"')
    production.delenv("MAIL_SERVER")  # mail is held: nothing leaves with the placeholder address
    production.setenv("MAIL_DEFAULT_SENDER", "Lückenlos <noreply@lueckenlos.invalid>")
    assert create_app().config["MAIL_DEFAULT_SENDER"].endswith(".invalid>")
