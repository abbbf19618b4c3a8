"""Stepping a migration down and up again keeps every row, on SQLite and on PostgreSQL.

On SQLite, batch mode rebuilds a table by dropping the old one; with foreign keys on, that used to
cascade into every child table. The test runs the demo data through every revision: for each one,
downgrade one step, upgrade to head again, and compare the row count of every table.
"""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from survey import create_app
from survey.extensions import db
from survey.services.demo import load_demo


@pytest.fixture
def fresh_database(tmp_path):
    """A database URL of its own (the session's app keeps its schema)."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path / 'roundtrip.sqlite'}"
        return
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql("DROP DATABASE IF EXISTS lueckenlos_roundtrip")
        connection.exec_driver_sql("CREATE DATABASE lueckenlos_roundtrip")
    yield sa.engine.make_url(url).set(database="lueckenlos_roundtrip").render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.exec_driver_sql("DROP DATABASE IF EXISTS lueckenlos_roundtrip WITH (FORCE)")
    admin.dispose()


def row_counts() -> dict[str, int]:
    inspector = sa.inspect(db.engine)
    with db.engine.connect() as connection:
        return {
            name: connection.execute(sa.select(sa.func.count()).select_from(sa.table(name))).scalar_one()
            for name in inspector.get_table_names()
            if name != "alembic_version"
        }


def test_every_revision_steps_down_and_up_without_losing_rows(fresh_database):
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": fresh_database,
                      "DEMO_MODE": False, "MAIL_SUPPRESS_SEND": True})
    with app.app_context():
        upgrade()
        load_demo()
        db.session.commit()
        before = row_counts()
        assert before["response"] > 0 and before["survey_item"] > 0
        script = ScriptDirectory(app.extensions["migrate"].directory)
        for revision in script.walk_revisions():
            if revision.down_revision is None:
                continue  # the first revision's downgrade drops everything, by design
            downgrade(revision=revision.down_revision)
            upgrade()
            after = row_counts()
            assert after == before, f"stepping below {revision.revision} changed row counts"
        db.session.remove()
        db.engine.dispose()
