"""`flask backup` and `flask restore` on the live database, on SQLite and on PostgreSQL.

Each test gets a database of its own (a SQLite file, or a PostgreSQL database next to the test
database), migrated to head, so restoring never touches the session's app.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from factories import migrated_app, throwaway_database
from survey import backup as backups
from survey import cli as survey_cli
from survey.extensions import db
from survey.services.demo import load_demo

ON_POSTGRES = bool(os.environ.get("DATABASE_URL"))


def _pg_tools_present() -> bool:
    try:
        backups.pg_tool("pg_dump")
        backups.pg_tool("pg_restore")
    except backups.BackupError:
        return False
    return True


@pytest.fixture
def database(tmp_path, monkeypatch):
    """A URL of a database of this test's own; backups land in tmp_path/instance/backups."""
    monkeypatch.setenv("LUECKENLOS_INSTANCE", str(tmp_path / "instance"))
    if os.environ.get("DATABASE_URL") and not _pg_tools_present():
        pytest.skip("pg_dump/pg_restore fehlen (Paket postgresql-client)")
    with throwaway_database(tmp_path, "lueckenlos_backup") as url:
        yield url


@pytest.fixture
def live(database):
    """An app on that database, migrated to head."""
    with migrated_app(database) as app:
        yield app


def invoke(app, *args: str, input: str | None = None):
    result = app.test_cli_runner().invoke(args=list(args), input=input)
    return result


def row_counts(app) -> dict[str, int]:
    with app.app_context(), db.engine.connect() as connection:
        return {name: connection.execute(sa.select(sa.func.count()).select_from(sa.table(name))).scalar_one()
                for name in sa.inspect(connection).get_table_names()}


def add_user(app, email: str) -> None:
    result = invoke(app, "users", "create", "--kommune", "Stadt Musterhausen", "--create-kommune", "--email", email,
                    "--password-file", "-", "--role", "planner", input="ein-langes-Passwort-2026\n")
    assert result.exit_code == 0, result.output


@pytest.mark.skipif(ON_POSTGRES, reason="the WAL pitfall is SQLite's")
def test_plain_copy_misses_the_last_save_but_backup_keeps_it(live, tmp_path):
    add_user(live, "erste@musterhausen.de")
    with live.app_context(), db.engine.connect() as reader:
        reader.execute(sa.text("SELECT 1")).all()  # an open connection: SQLite does not checkpoint the WAL
        add_user(live, "letzte@musterhausen.de")
        database = Path(backups.sqlite_path(live.config["SQLALCHEMY_DATABASE_URI"]))
        assert Path(f"{database}-wal").stat().st_size > 0, "the last save waits in the WAL"
        shutil.copy(database, tmp_path / "cp.sqlite")
        result = invoke(live, "backup", "--to", str(tmp_path / "backup.sqlite"))
        assert result.exit_code == 0, result.output
    copied = sqlite3.connect(tmp_path / "cp.sqlite")
    try:
        in_copy = {row[0] for row in copied.execute("SELECT email FROM user")} \
            if copied.execute("SELECT 1 FROM sqlite_master WHERE name = 'user'").fetchone() else set()
    finally:
        copied.close()
    assert "letzte@musterhausen.de" not in in_copy  # what `cp` of a live WAL database loses

    assert not Path(f"{tmp_path / 'backup.sqlite'}-wal").exists()  # one self-contained file
    assert oct((tmp_path / "backup.sqlite").stat().st_mode & 0o777) == "0o600"
    invoke(live, "users", "create", "--kommune", "Stadt Musterhausen", "--create-kommune",
           "--email", "danach@musterhausen.de", "--password-file", "-", "--role", "planner",
           input="ein-langes-Passwort-2026\n")
    result = invoke(live, "restore", str(tmp_path / "backup.sqlite"), "--yes")
    assert result.exit_code == 0, result.output
    assert {"erste@musterhausen.de", "letzte@musterhausen.de"} <= user_emails(live)
    assert "danach@musterhausen.de" not in user_emails(live)


def user_emails(app) -> set[str]:
    from survey.models import User

    with app.app_context():
        emails = set(db.session.scalars(sa.select(User.email)))
        db.session.remove()
        return emails


def test_restore_brings_back_every_row_and_saves_the_current_state_first(live, tmp_path):
    with live.app_context():
        load_demo()
        db.session.commit()
    before = row_counts(live)
    assert before["response"] > 0 and before["invitation"] > 0
    result = invoke(live, "backup")
    assert result.exit_code == 0, result.output
    [written] = (tmp_path / "instance" / "backups").glob("lueckenlos-*")
    assert written.name in result.output

    # After the backup: a planner is added, every response is deleted.
    add_user(live, "neu@musterhausen.de")
    with live.app_context():
        db.session.execute(sa.text("DELETE FROM response"))
        db.session.commit()
        db.session.remove()
    changed = row_counts(live)
    assert changed["response"] == 0

    result = invoke(live, "restore", str(written), "--yes")
    assert result.exit_code == 0, result.output
    assert row_counts(live) == before
    assert "neu@musterhausen.de" not in user_emails(live)
    result = invoke(live, "db", "upgrade")
    assert result.exit_code == 0, result.output

    # The state just replaced was saved first and can itself be restored.
    [safety] = (tmp_path / "instance" / "backups").glob("lueckenlos-vor-wiederherstellung-*")
    result = invoke(live, "restore", str(safety), "--yes")
    assert result.exit_code == 0, result.output
    assert row_counts(live)["response"] == 0
    assert "neu@musterhausen.de" in user_emails(live)


def test_restore_refuses_a_file_that_is_no_backup_and_changes_nothing(live, tmp_path):
    add_user(live, "bleibt@musterhausen.de")
    stray = tmp_path / "notizen.txt"
    stray.write_text("keine Sicherung\n")
    result = invoke(live, "restore", str(stray), "--yes")
    assert result.exit_code != 0
    assert "Sicherung" in result.output or "Datenbank" in result.output
    assert "bleibt@musterhausen.de" in user_emails(live)
    assert not (tmp_path / "instance" / "backups").exists()  # nothing was even saved


def test_a_backup_never_overwrites_another(live, tmp_path):
    target = tmp_path / "fest.bak"
    assert invoke(live, "backup", "--to", str(target)).exit_code == 0
    first = target.read_bytes()
    add_user(live, "spaeter@musterhausen.de")
    result = invoke(live, "backup", "--to", str(target))
    assert result.exit_code != 0 and "gibt es schon" in result.output
    assert target.read_bytes() == first
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []


def test_keep_days_deletes_only_old_backups(live, tmp_path, monkeypatch):
    folder = tmp_path / "sicherungen"
    folder.mkdir()
    old, recent = folder / "lueckenlos-2026-01-01-023000.dump", folder / "lueckenlos-2026-11-30-023000.dump"
    other = folder / "notiz.txt"
    for path in (old, recent, other):
        path.write_text("x")
    now = survey_cli.backup_clock()
    os.utime(old, (now.timestamp() - 20 * 86400,) * 2)
    os.utime(other, (now.timestamp() - 20 * 86400,) * 2)
    monkeypatch.setattr(survey_cli, "backup_clock", lambda: now)
    result = invoke(live, "backup", "--to", str(folder), "--keep-days", "14")
    assert result.exit_code == 0, result.output
    assert not old.exists() and recent.exists() and other.exists()
    assert len(list(folder.glob("lueckenlos-*"))) == 2


@pytest.mark.skipif(ON_POSTGRES, reason="the worker lock is SQLite's")
def test_restore_refuses_while_the_mail_worker_runs(live, tmp_path):
    import fcntl

    assert invoke(live, "backup", "--to", str(tmp_path / "b.sqlite")).exit_code == 0
    lock = Path(live.instance_path) / "mail-worker.lock"
    with lock.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        result = invoke(live, "restore", str(tmp_path / "b.sqlite"), "--yes")
    assert result.exit_code != 0 and "Mail-Worker läuft noch" in result.output
    assert invoke(live, "restore", str(tmp_path / "b.sqlite"), "--yes").exit_code == 0


@pytest.mark.skipif(not ON_POSTGRES, reason="pg_restore --clean keeps tables the dump lacks")
def test_restore_refuses_when_the_database_has_tables_the_backup_lacks(live, tmp_path):
    assert invoke(live, "backup", "--to", str(tmp_path / "alt.dump")).exit_code == 0
    add_user(live, "bleibt@musterhausen.de")
    with live.app_context():
        db.session.execute(sa.text("CREATE TABLE neuere_tabelle (id integer)"))
        db.session.commit()
        db.session.remove()
    result = invoke(live, "restore", str(tmp_path / "alt.dump"), "--yes")
    assert result.exit_code != 0 and "neuere_tabelle" in result.output and "neue, leere Datenbank" in result.output
    assert "bleibt@musterhausen.de" in user_emails(live)


def test_the_backup_unit_runs_a_command_that_works(live, tmp_path):
    """deploy/systemd/lueckenlos-backup.service's ExecStart, run against this database."""
    unit = (Path(__file__).resolve().parents[1] / "deploy" / "systemd" / "lueckenlos-backup.service").read_text()
    [exec_start] = [line.split("=", 1)[1].split() for line in unit.splitlines() if line.startswith("ExecStart=")]
    assert exec_start[0].endswith("/.venv/bin/flask")
    folder = tmp_path / "var-backups"
    folder.mkdir()
    args = [str(folder) if arg == "/var/backups/lueckenlos" else arg for arg in exec_start[1:]]
    assert str(folder) in args, "the unit writes to the folder docs/deploy.md creates"
    result = invoke(live, *args)
    assert result.exit_code == 0, result.output
    [written] = folder.iterdir()
    assert backups.check_backup(live.config["SQLALCHEMY_DATABASE_URI"], written) > 5


def test_restore_onto_a_new_empty_database(live, database, tmp_path):
    """A new machine: the database exists (PostgreSQL) or not even its file (SQLite)."""
    add_user(live, "umzug@musterhausen.de")
    assert invoke(live, "backup", "--to", str(tmp_path / "umzug.bak")).exit_code == 0
    with live.app_context():
        db.session.remove()
        db.engine.dispose()
    if backups.is_sqlite(database):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{backups.sqlite_path(database)}{suffix}").unlink(missing_ok=True)
    else:
        with live.app_context():
            db.session.execute(sa.text("DROP SCHEMA public CASCADE"))
            db.session.execute(sa.text("CREATE SCHEMA public"))
            db.session.commit()
            db.session.remove()
    result = invoke(live, "restore", str(tmp_path / "umzug.bak"), "--yes")
    assert result.exit_code == 0, result.output
    assert "war leer" in result.output
    assert invoke(live, "db", "upgrade").exit_code == 0
    assert "umzug@musterhausen.de" in user_emails(live)


def test_backup_to_a_missing_folder_creates_it_instead_of_a_file_of_that_name(live, tmp_path):
    folder = tmp_path / "var" / "backups" / "lueckenlos"
    result = invoke(live, "backup", "--to", str(folder))
    assert result.exit_code == 0, result.output
    assert folder.is_dir() and oct(folder.stat().st_mode & 0o777) == "0o700"
    [written] = folder.iterdir()
    assert written.name.startswith("lueckenlos-") and str(written) in result.output
