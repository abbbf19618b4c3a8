"""Stepping a migration down and up again keeps every row, on SQLite and on PostgreSQL.

On SQLite, batch mode rebuilds a table by dropping the old one; with foreign keys on, that used to
cascade into every child table. The test runs the demo data through every revision: for each one,
downgrade one step, upgrade to head again, and compare the row count of every table and every
column's type, nullability and default (a downgrade that re-creates a column with another type, or
an upgrade that loses a server default, shows here), and at the end the schema against the models.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from factories import throwaway_database
from survey import create_app
from survey.extensions import db
from survey.services.demo import load_demo


@pytest.fixture
def fresh_database(tmp_path):
    """A database URL of its own (the session's app keeps its schema)."""
    with throwaway_database(tmp_path, "lueckenlos_roundtrip") as url:
        yield url


def row_counts() -> dict[str, int]:
    inspector = sa.inspect(db.engine)
    with db.engine.connect() as connection:
        return {
            name: connection.execute(sa.select(sa.func.count()).select_from(sa.table(name))).scalar_one()
            for name in inspector.get_table_names()
            if name != "alembic_version"
        }


def column_shapes() -> dict[str, list[tuple[str, str, bool, str | None]]]:
    """Per table, each column's name, compiled type, nullability and server default."""
    inspector = sa.inspect(db.engine)
    return {
        name: [(column["name"], str(column["type"].compile(dialect=db.engine.dialect)), column["nullable"],
                None if column.get("default") is None else str(column["default"]))
               for column in inspector.get_columns(name)]
        for name in inspector.get_table_names()
    }


def test_every_revision_steps_down_and_up_without_losing_rows(fresh_database):
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": fresh_database,
                      "DEMO_MODE": False, "MAIL_SUPPRESS_SEND": True})
    with app.app_context():
        upgrade()
        load_demo()
        db.session.commit()
        before = row_counts()
        shapes = column_shapes()
        assert before["response"] > 0 and before["survey_item"] > 0
        script = ScriptDirectory(app.extensions["migrate"].directory)
        stepped = []
        for revision in script.walk_revisions():
            if revision.down_revision is None:
                continue  # the first revision's downgrade drops everything, by design
            downgrade(revision=revision.down_revision)
            # A table the revision creates goes with its downgrade, rows and all, by design.
            created = set(before) - set(sa.inspect(db.engine).get_table_names())
            upgrade()
            after = row_counts()
            kept = {name: count for name, count in before.items() if name not in created}
            assert {name: after[name] for name in kept} == kept, \
                f"stepping below {revision.revision} changed row counts"
            before = after  # the next step starts from here (an emptied new table stays empty)
            assert column_shapes() == shapes, f"stepping below {revision.revision} changed column types"
            stepped.append(revision.revision)
        assert len(stepped) == len(list(script.walk_revisions())) - 1  # every revision but the first
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, db.metadata) == []
        db.session.remove()
        db.engine.dispose()
