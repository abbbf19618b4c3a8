"""The migrations produce exactly the schema the models describe, and `flask db check` says so.

`flask db check` (Alembic's autogenerate comparison, column types included) runs here on a
database of its own in both CI passes, so it fails the build when a model changes without a
migration; the drift cases show that it really fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from survey.extensions import db

from factories import migrated_app, throwaway_database

ROOT = Path(__file__).resolve().parents[1]
ON_POSTGRES = bool(os.environ.get("DATABASE_URL"))


def test_migrations_match_models(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


TYPE_CHANGES = {  # column → a type the migrations did not create; each must be reported as a difference
    ("kommune", "name"): sa.String(300),  # a longer VARCHAR
    ("kommune", "signature"): sa.String(50),  # TEXT → VARCHAR
    ("kommune", "id"): sa.String(20),  # INTEGER → VARCHAR
    ("survey", "deadline"): sa.DateTime(),  # a date → a timestamp
}


@pytest.mark.parametrize("column", TYPE_CHANGES, ids="{0[0]}.{0[1]}".format)
def test_migrations_match_models_notices_a_changed_column_type(app, column, monkeypatch):
    table, name = column
    model_column = db.metadata.tables[table].c[name]
    monkeypatch.setattr(model_column, "type", TYPE_CHANGES[column])  # a model changed without a migration
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    changed = [d[0] for d in differences if isinstance(d, list)]  # modify_* come wrapped in a list per column
    assert [d for d in changed if d[0] == "modify_type" and d[2:4] == (table, name)], differences


@pytest.fixture
def migrated(tmp_path, monkeypatch):
    """An app on a database of its own, upgraded to head (drift is made there, not in the session's)."""
    monkeypatch.setenv("LUECKENLOS_INSTANCE", str(tmp_path / "instance"))
    with throwaway_database(tmp_path, "lueckenlos_check") as url, migrated_app(url) as app:
        yield app


def db_check(app) -> subprocess.CompletedProcess:
    """`flask db check` as an operator or CI runs it: a process of its own, configured by environment."""
    env = {**os.environ, "FLASK_APP": "wsgi.py", "SECRET_KEY": "test-only-secret", "LUECKENLOS_DEMO": "0",
           "LINK_KEYS": app.config["LINK_KEYS"],
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "LUECKENLOS_INSTANCE": app.instance_path}
    flask = Path(sys.executable).with_name("flask")
    return subprocess.run([str(flask), "db", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def drift(app, statement: str) -> None:
    with app.app_context():
        db.session.execute(sa.text(statement))
        db.session.commit()
        db.session.remove()


def test_flask_db_check_passes_on_the_migrated_schema(migrated):
    result = db_check(migrated)
    assert result.returncode == 0, result.stderr
    assert "No new upgrade operations detected" in result.stdout + result.stderr


DRIFT = {  # statement → what `flask db check` must name; each stands for a model change without a migration
    "ALTER TABLE kommune ADD COLUMN vergessen INTEGER": "kommune.vergessen",
    "CREATE TABLE vergessene_tabelle (id INTEGER PRIMARY KEY)": "vergessene_tabelle",
    "DROP INDEX ix_actor_kommune_email": "ix_actor_kommune_email",
}
if ON_POSTGRES:  # SQLite cannot change a column's type in place
    DRIFT["ALTER TABLE kommune ALTER COLUMN name TYPE TEXT"] = "modify_type"


def test_flask_db_check_fails_and_names_each_difference_between_schema_and_models(migrated):
    for statement in DRIFT:
        drift(migrated, statement)
    result = db_check(migrated)
    assert result.returncode != 0
    assert "New upgrade operations detected" in result.stderr
    for named in DRIFT.values():
        assert named in result.stderr
