"""The application factory and its configuration."""

import pytest

from questionnaires import CatalogueError
from survey import create_app
from survey.link_keys import new_key


@pytest.fixture(autouse=True)
def _production_secret(monkeypatch):
    """Outside demo mode a start needs SECRET_KEY (tests/test_startup_checks.py shows the refusal)."""
    monkeypatch.setenv("SECRET_KEY", "factory-test-secret")
    monkeypatch.setenv("LINK_KEYS", new_key())
    monkeypatch.delenv("LUECKENLOS_DEMO", raising=False)


def test_test_config_overrides_defaults(app):
    assert app.testing
    assert not create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).testing


def test_secret_key_is_generated_once_and_kept_in_demo_mode(tmp_path, monkeypatch):
    monkeypatch.setenv("LUECKENLOS_INSTANCE", str(tmp_path))
    monkeypatch.setenv("LUECKENLOS_DEMO", "1")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).secret_key
    second = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).secret_key
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").read_text().strip() == first


def test_environment_chooses_database_and_mail(tmp_path, monkeypatch):
    monkeypatch.setenv("LUECKENLOS_INSTANCE", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@127.0.0.1:1/x")
    monkeypatch.setenv("MAIL_SERVER", "relay.example")
    monkeypatch.setenv("MAIL_DEFAULT_SENDER", "Kreis <lueckenlos@kreis.de>")  # with a relay, a real domain
    monkeypatch.setenv("MAIL_PORT", "587")
    monkeypatch.setenv("MAIL_USE_TLS", "true")
    monkeypatch.setenv("BASE_URL", "https://umfrage.kreis.example/")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")
    assert app.config["MAIL_SERVER"] == "relay.example"
    assert app.config["MAIL_PORT"] == 587 and app.config["MAIL_USE_TLS"] is True
    assert app.config["BASE_URL"] == "https://umfrage.kreis.example"
    assert app.config["DEMO_MODE"] is False


def test_default_database_is_sqlite_in_instance_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("LUECKENLOS_INSTANCE", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'lueckenlos.sqlite'}"


def test_broken_catalogue_stops_the_start(tmp_path, monkeypatch):
    monkeypatch.setenv("LUECKENLOS_INSTANCE", str(tmp_path))
    (tmp_path / "cat").mkdir()
    (tmp_path / "cat" / "x.toml").write_text(
        '[module]\nkey = "x"\ntitle = "X"\n[[sections]]\ntitle = "A"\n'
        '[[sections.questions]]\nkey = "x.a"\nkind = "wuerfel"\nprompt = "?"\n'
    )
    with pytest.raises(CatalogueError, match="x.a: unbekannte Art"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "CATALOGUE_DIR": str(tmp_path / "cat")})


def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert {k: v for k, v in response.json.items() if k != "workers"} == {"status": "ok", "database": "ok",
                                                                          "instance": "ok"}


def test_pages_are_german_with_friendly_404(client):
    response = client.get("/gibt-es-nicht")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert '<html lang="de">' in page and "Seite nicht gefunden" in page


def test_cookies_are_secure_behind_https(tmp_path, monkeypatch):
    monkeypatch.setenv("LUECKENLOS_INSTANCE", str(tmp_path))
    monkeypatch.setenv("BASE_URL", "https://umfrage.kreis.example")
    assert create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).config["SESSION_COOKIE_SECURE"] is True
    monkeypatch.setenv("BASE_URL", "http://127.0.0.1:5000")
    assert create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).config["SESSION_COOKIE_SECURE"] is False
