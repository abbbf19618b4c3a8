"""Backup and restore of the whole database: SQLite by its online backup API, PostgreSQL by pg_dump.

Flask-free: every function takes the SQLAlchemy database URL and file paths, so `flask backup`,
`flask restore` and the tests call the same code.

- SQLite in WAL mode keeps the latest commits in `<db>-wal` until a checkpoint; a plain `cp` of the
  main file misses them. `sqlite3.Connection.backup` copies a consistent snapshot of the live
  database including the WAL, while the app keeps running (readers and writers are not blocked for
  longer than a page batch).
- PostgreSQL: `pg_dump --format=custom` (compressed, restorable table by table). The password is
  passed in PGPASSWORD, never on a command line (visible in `ps`).
- Every backup is written to a temporary file next to the target and renamed when complete, so a
  failed run never leaves a truncated file under the final name; files are created 0600 (they hold
  personal data).
- A restore first checks the backup (SQLite: `integrity_check` and an `alembic_version`; PostgreSQL:
  `pg_restore --list`), then saves the current database with a backup of its own, then replaces it
  (SQLite: backup API into the live file; PostgreSQL: `pg_restore --clean --single-transaction`, so a
  failed restore leaves the database as it was).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa


class BackupError(Exception):
    """A backup or restore that could not be done; the message is German and says what to do."""


@dataclass(frozen=True)
class BackupResult:
    path: Path | None  # None: nothing to save (a restore onto a new, empty database)
    size: int
    tables: int


def is_sqlite(url: str) -> bool:
    return sa.engine.make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path:
    """The file of a SQLite URL (an in-memory database cannot be backed up)."""
    database = sa.engine.make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("Eine SQLite-Datenbank im Arbeitsspeicher lässt sich nicht sichern.")
    return Path(database)


def default_target(folder: Path, url: str, now: dt.datetime) -> Path:
    """`<folder>/lueckenlos-YYYY-MM-DD-HHMMSS.<sqlite|dump>`: one file per run, never overwritten."""
    suffix = "sqlite" if is_sqlite(url) else "dump"
    return unused(folder / f"lueckenlos-{now.strftime('%Y-%m-%d-%H%M%S')}.{suffix}")


def unused(path: Path) -> Path:
    """`path`, or `name-2.ext`, `name-3.ext` … when two runs fall into the same second."""
    candidate, number = path, 1
    while candidate.exists():
        number += 1
        candidate = path.with_name(f"{path.stem}-{number}{path.suffix}")
    return candidate


def backup(url: str, target: Path) -> BackupResult:
    """Write a consistent copy of the database at `url` to `target` (SQLite file or pg_dump archive)."""
    target = Path(target)
    if target.exists():
        raise BackupError(f"{target} gibt es schon; eine Sicherung überschreibt keine andere.")
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    os.close(handle)
    partial = Path(temporary)  # mkstemp creates it 0600
    try:
        tables = _sqlite_backup(sqlite_path(url), partial) if is_sqlite(url) else _pg_dump(url, partial)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(target, target.stat().st_size, tables)


def check_backup(url: str, source: Path) -> int:
    """Check that `source` is a complete backup of a Lückenlos database; returns its table count."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"Die Sicherung {source} gibt es nicht.")
    if is_sqlite(url):
        return _sqlite_check(source)
    return _pg_check(source)


def restore(url: str, source: Path, safety_copy: Path) -> BackupResult:
    """Replace the database at `url` by the backup `source`, after saving the current state to `safety_copy`.

    The app and the mail worker must be stopped (the caller checks what it can). Run
    `flask db upgrade` afterwards when the backup is older than the code.
    """
    tables = check_backup(url, source)
    if not is_sqlite(url):
        _pg_refuse_extra_tables(url, Path(source))
    saved = backup(url, safety_copy) if has_schema(url) else BackupResult(None, 0, 0)
    if is_sqlite(url):
        _sqlite_restore(Path(source), sqlite_path(url))
    else:
        _pg_restore(url, Path(source))
    return BackupResult(saved.path, saved.size, tables)


def has_schema(url: str) -> bool:
    """Whether the database holds a Lückenlos schema worth saving (a new machine's has none)."""
    if is_sqlite(url) and not sqlite_path(url).is_file():
        return False
    engine = sa.create_engine(url)
    try:
        return sa.inspect(engine).has_table("alembic_version")
    finally:
        engine.dispose()


# --- SQLite ------------------------------------------------------------------------------------

def _sqlite_backup(database: Path, target: Path) -> int:
    if not database.is_file():
        raise BackupError(f"Die Datenbank {database} gibt es nicht.")
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)
    destination = sqlite3.connect(target)
    try:
        source.backup(destination)
        destination.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        return _sqlite_verify(destination, target)
    finally:
        destination.close()
        source.close()


def _sqlite_check(source: Path) -> int:
    try:
        connection = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise BackupError(f"{source} lässt sich nicht öffnen: {error}") from None
    try:
        return _sqlite_verify(connection, source)
    finally:
        connection.close()


def _sqlite_verify(connection: sqlite3.Connection, path: Path) -> int:
    try:
        verdict = connection.execute("PRAGMA integrity_check").fetchone()[0]
        names = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} ist keine SQLite-Datenbank: {error}") from None
    if verdict != "ok":
        raise BackupError(f"{path} ist beschädigt (integrity_check: {verdict}).")
    if "alembic_version" not in names:
        raise BackupError(f"{path} ist keine Lückenlos-Datenbank (keine Tabelle alembic_version).")
    return len(names - {"alembic_version"})


def _sqlite_restore(source: Path, database: Path) -> None:
    # The backup API writes page by page under the live file's own locks and journal, so the
    # database (and its WAL) is replaced as one transaction; no -wal file is left stale.
    origin = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    live = sqlite3.connect(database, timeout=30)
    try:
        origin.backup(live)
    finally:
        live.close()
        origin.close()


# --- PostgreSQL --------------------------------------------------------------------------------

def pg_tool(name: str) -> str:
    """The newest `pg_dump`/`pg_restore` installed (Debian keeps them under /usr/lib/postgresql/N/bin)."""
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
    if candidates:
        return str(candidates[-1])
    found = shutil.which(name)
    if found:
        return found
    raise BackupError(f"{name} fehlt: bitte 'sudo apt-get install postgresql-client' ausführen "
                      "(die Version muss mindestens der des Datenbankservers entsprechen).")


def _libpq(url: str) -> tuple[list[str], dict[str, str]]:
    """Connection options for the PostgreSQL tools, and the environment carrying the password."""
    parsed = sa.engine.make_url(url)
    options = ["--dbname", parsed.database or ""]
    host = parsed.host or parsed.query.get("host")  # ?host=/var/run/postgresql: the Unix socket folder
    if isinstance(host, tuple):
        host = host[-1]
    if host:
        options += ["--host", host]
    if parsed.port:
        options += ["--port", str(parsed.port)]
    if parsed.username:
        options += ["--username", parsed.username]
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = parsed.password
    return options, env


def _run(command: list[str], env: dict[str, str] | None = None) -> str:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except OSError as error:
        raise BackupError(f"{command[0]} ließ sich nicht starten: {error}") from None
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} ist fehlgeschlagen: {done.stderr.strip()}")
    return done.stdout


def _pg_dump(url: str, target: Path) -> int:
    options, env = _libpq(url)
    _run([pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file", str(target), *options], env)
    return _pg_check(target)


def _pg_check(source: Path) -> int:
    try:
        listing = _run([pg_tool("pg_restore"), "--list", str(source)])
    except BackupError as error:
        raise BackupError(f"{source} ist keine Sicherung von pg_dump im Custom-Format ({error}).") from None
    # Lines read "215; 0 16390 TABLE DATA public alembic_version postgres".
    tables = {line.split(" TABLE DATA ", 1)[1].split()[1] for line in listing.splitlines()
              if " TABLE DATA " in line and not line.startswith(";")}
    if "alembic_version" not in tables:
        raise BackupError(f"{source} ist keine Lückenlos-Sicherung (keine Tabelle alembic_version).")
    return len(tables - {"alembic_version"})


def _pg_tables(source: Path) -> set[str]:
    listing = _run([pg_tool("pg_restore"), "--list", str(source)])
    return {line.split(" TABLE ", 1)[1].split()[1] for line in listing.splitlines()
            if " TABLE " in line and " TABLE DATA " not in line and not line.startswith(";")}


def _pg_refuse_extra_tables(url: str, source: Path) -> None:
    # --clean drops only what the dump contains: a table the live schema has beyond the dump (a
    # newer migration) would survive next to an older alembic_version and break `db upgrade`.
    engine = sa.create_engine(url)
    try:
        live = set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    extra = sorted(live - _pg_tables(source))
    if extra:
        raise BackupError("Die Datenbank hat Tabellen, die die Sicherung nicht kennt (" + ", ".join(extra) + "): "
                          "bitte in eine neue, leere Datenbank wiederherstellen (docs/deploy.md, "
                          "„Sicherung und Wiederherstellung“).")


def _pg_restore(url: str, source: Path) -> None:
    options, env = _libpq(url)
    _run([pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
          "--single-transaction", "--exit-on-error", *options, str(source)], env)
