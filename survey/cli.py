"""`flask` commands: users, demo data, the mail worker, the bounce reader, the job worker, the catalogue check,
backup and restore, the link keyring (new key, rotation, sealing the links of older mails)."""

from __future__ import annotations

import datetime as dt
import fcntl
import imaplib
import logging
import time
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from flask.cli import AppGroup, with_appcontext

from questionnaires import CatalogueError, load_catalogue
from questionnaires import formatting as fmt

from . import backup as backups
from .config import QUESTIONNAIRES_DIR
from .extensions import db
from .models import Kommune, User
from .services.accounts import (
    AccountError,
    create_admin,
    create_user,
    deactivate,
    kommune_for_account,
    reactivate,
    set_password_by_operator,
)
from .services.delivery import deliver_due, single_worker
from .services.demo import load_demo
from .services.follow_up import (
    due_scheduled_reminders,
)
from .worker import Heartbeat, Outage, run_worker

log = logging.getLogger(__name__)

users = AppGroup("users", help="Benutzerkonten verwalten.")
mail_cli = AppGroup("mail", help="E-Mails aus dem Postausgang zustellen und Rückläufer lesen.")
catalogue_cli = AppGroup("catalogue", help="Den Fragenkatalog prüfen.")
links_cli = AppGroup("links", help="Die Schlüssel der persönlichen Links (LINK_KEYS): erzeugen, wechseln.")
jobs_cli = AppGroup("jobs", help="Hintergrundaufgaben ausführen (Berichte, Arbeitsmappen, Aufräumen).")


def _password_option(command):
    return click.option("--password-file", type=click.File("r", encoding="utf-8"), default=None, metavar="DATEI",
                        help="Das Passwort aus der ersten Zeile dieser Datei („-“: von der Standardeingabe) "
                             "statt der Abfrage. Nie auf der Kommandozeile: dort sähen es `ps` und die "
                             "Shell-Historie.")(command)


def _read_password(password_file) -> str:
    """The new password: the first line of --password-file, else asked twice without echo."""
    if password_file is not None:
        lines = password_file.read().splitlines()
        return lines[0] if lines else ""
    return click.prompt("Passwort", hide_input=True, confirmation_prompt="Passwort wiederholen")


def _account_error(error: AccountError) -> click.ClickException:
    db.session.rollback()
    return click.ClickException(str(error))


def _user(email: str) -> User:
    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"Es gibt kein Konto mit der Adresse {email.strip().lower()} "
                                   "(`flask users list` zeigt alle).")
    return user


_KOMMUNE_HELP = "Name der Kommune, genau wie angelegt (`flask users list` zeigt sie)."
_CREATE_KOMMUNE_HELP = "Die Kommune neu anlegen, wenn es sie noch nicht gibt (sonst: Fehlermeldung)."


@users.command("create")
@click.option("--kommune", required=True, help=_KOMMUNE_HELP)
@click.option("--create-kommune", is_flag=True, help=_CREATE_KOMMUNE_HELP)
@click.option("--email", required=True)
@click.option("--role", type=click.Choice(["planner", "analyst", "admin"]), required=True)
@click.option("--name", "display_name", default="", help="Anzeigename.")
@_password_option
def create_user_command(kommune: str, create_kommune: bool, email: str, role: str, display_name: str,
                        password_file) -> None:
    """Create a user account with a password (asked twice, or from --password-file)."""
    try:
        kommune_for_account(kommune, create_kommune)  # before the prompt: a typo fails at once
        user = create_user(kommune, email, _read_password(password_file), role, display_name,
                           create_kommune=create_kommune)
    except AccountError as error:
        raise _account_error(error) from None
    db.session.commit()
    click.echo(f"Konto angelegt: {user.email} ({user.role.value}) in {user.kommune.name}")


@users.command("create-admin")
@click.option("--kommune", required=True,
              help="Name der Kommune. Die erste wird angelegt; weitere nur mit --create-kommune.")
@click.option("--create-kommune", is_flag=True, help=_CREATE_KOMMUNE_HELP)
@click.option("--email", required=True, help="E-Mail-Adresse, mit der sich die Administration anmeldet.")
@click.option("--name", "display_name", default="", help="Anzeigename (Vorschlag im Kontaktblock).")
@_password_option
def create_admin_command(kommune: str, create_kommune: bool, email: str, display_name: str, password_file) -> None:
    """Create the first administrator of a Kommune; the admin area is then at /admin."""
    create = create_kommune or db.session.scalar(sa.select(sa.func.count()).select_from(Kommune)) == 0
    try:
        kommune_for_account(kommune, create)
        user = create_admin(kommune, email, _read_password(password_file), display_name, create_kommune=create)
    except AccountError as error:
        raise _account_error(error) from None
    db.session.commit()
    base = current_app.config["BASE_URL"].rstrip("/")
    click.echo(f"Administration für {user.kommune.forms.accusative} angelegt: {user.email}.")
    click.echo(f"Anmelden unter {base}/login; die Verwaltung ist unter {base}/admin.")


@users.command("list")
@click.option("--kommune", default=None, help="Nur die Konten dieser Kommune.")
def list_users_command(kommune: str | None) -> None:
    """List the accounts: address, role, Kommune, state."""
    query = sa.select(User).join(Kommune, Kommune.id == User.kommune_id).order_by(Kommune.name, User.email)
    if kommune is not None:
        try:
            query = query.where(User.kommune_id == kommune_for_account(kommune, create=False).id)
        except AccountError as error:
            raise _account_error(error) from None
    rows = db.session.scalars(query).all()
    if not rows:
        click.echo("Keine Konten.")
        return
    for user in rows:
        state = "aktiv" if user.active and user.has_password else (
            "deaktiviert" if not user.active else "eingeladen (noch kein Passwort)")
        click.echo(f"{user.email}\t{user.role.value}\t{user.kommune.name}\t{state}")
    click.echo(f"{len(rows)} Konto/Konten.")


@users.command("passwd")
@click.argument("email")
@_password_option
def passwd_command(email: str, password_file) -> None:
    """Set a new password for an account; its sessions end and it is told by mail."""
    user = _user(email)
    try:
        set_password_by_operator(user, _read_password(password_file))
    except AccountError as error:
        raise _account_error(error) from None
    db.session.commit()
    click.echo(f"Neues Passwort gesetzt für {user.email}; alle Sitzungen dieses Kontos sind beendet.")


@users.command("disable")
@click.argument("email")
def disable_command(email: str) -> None:
    """Deactivate an account: no login, every session ends; its surveys and answers stay."""
    user = _user(email)
    try:
        deactivate(user)
    except AccountError as error:
        raise _account_error(error) from None
    db.session.commit()
    click.echo(f"Konto deaktiviert: {user.email}; es kann sich nicht mehr anmelden.")


@users.command("enable")
@click.argument("email")
def enable_command(email: str) -> None:
    """Reactivate a deactivated account (with its old password)."""
    user = _user(email)
    reactivate(user)
    db.session.commit()
    click.echo(f"Konto wieder aktiv: {user.email}.")


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load the demo data (idempotent) and print how to try it; only in demo mode (LUECKENLOS_DEMO=1)."""
    if not current_app.config["DEMO_MODE"]:
        # Demo accounts have a printed password: they must never appear in a production database.
        raise click.ClickException(
            "Demodaten gibt es nur im Demomodus: LUECKENLOS_DEMO=1 .venv/bin/flask demo (make run setzt ihn). / "
            "Demo data needs demo mode (LUECKENLOS_DEMO=1).")
    result = load_demo()
    db.session.commit()
    click.echo("Demodaten angelegt." if result.created else "Demodaten sind bereits vorhanden.")
    base = current_app.config["BASE_URL"]
    click.echo(f"\n  Adresse:     {base}/login")
    click.echo(f"  Planung:     {result.planner}  /  Passwort: {result.password}")
    click.echo(f"  Auswertung:  {result.analyst}  /  Passwort: {result.password}")
    if result.link:
        click.echo(f"  Als eingeladene Organisation antworten: {result.link}")
    if current_app.config["MAIL_SERVER"]:
        click.echo(f"  E-Mails gehen an den Server {current_app.config['MAIL_SERVER']}.\n")
    else:
        click.echo(f"  E-Mails (Demo-Postfach, nach der Anmeldung): {base}/mailbox\n")


def _real_app() -> Flask:
    """The app behind `current_app`, for worker threads that outlive this context."""
    return current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is typed as the app


@mail_cli.command("send")
@click.option("--watch", is_flag=True, help="Weiterlaufen und neue E-Mails laufend zustellen.")
@click.option("--interval", default=2.0, show_default=True, help="Sekunden zwischen zwei Durchläufen (mit --watch).")
def send_mail_command(watch: bool, interval: float) -> None:
    """Queue scheduled reminders, then deliver due outbox messages once (or keep going with --watch)."""
    with single_worker(current_app), Heartbeat(_real_app(), "mail") as beat:
        outage = Outage("mail worker")
        while True:
            beat.working("stellt zu")
            try:
                reminders = due_scheduled_reminders()
                db.session.commit()
                if reminders:
                    click.echo(f"geplante Erinnerungen: {reminders}")
                report = deliver_due()  # keeps MAIL_RATE_PER_MINUTE together with any other worker
            except sa.exc.OperationalError as error:
                outage.begin()  # the outbox is still there: wait and go on; a single run reports it
                if not watch:
                    raise click.ClickException(f"Datenbank nicht erreichbar: {error.orig}") from error
                outage.wait(error)
                continue
            outage.end()
            db.session.remove()
            busy = report.sent or report.retrying or report.failed or report.untried
            if busy or not watch:
                click.echo(f"zugestellt: {report.sent}, erneuter Versuch: {report.retrying}, "
                           f"fehlgeschlagen: {report.failed}, Server nicht erreichbar: {report.untried}")
            if not watch:
                return
            if not busy or report.untried:
                beat.idle()
                time.sleep(interval)


@jobs_cli.command("run")
@click.option("--watch", is_flag=True, help="Weiterlaufen und neue Aufgaben laufend ausführen.")
@click.option("--interval", default=1.0, show_default=True, help="Sekunden zwischen zwei Durchläufen (mit --watch).")
@click.option("--kind", "kinds", multiple=True, help="Nur diese Art von Aufgaben (mehrfach möglich).")
def run_jobs_command(watch: bool, interval: float, kinds: tuple[str, ...]) -> None:
    """Run due background jobs once (or keep going with --watch); periodic jobs are scheduled here."""
    try:
        ran = run_worker(_real_app(), watch, interval, kinds or None)
    except sa.exc.OperationalError as error:
        raise click.ClickException(f"Datenbank nicht erreichbar: {error.orig}") from error
    click.echo(f"Aufgaben ausgeführt: {ran}")


@mail_cli.command("bounces")
@click.option("--maildir", type=click.Path(file_okay=False), default=None,
              help="Maildir mit den Rückläufern (sonst BOUNCE_MAILDIR oder das IMAP-Postfach aus BOUNCE_IMAP_HOST).")
@click.option("--watch", is_flag=True, help="Weiterlaufen und das Postfach regelmäßig lesen.")
@click.option("--interval", default=60.0, show_default=True, help="Sekunden zwischen zwei Durchläufen (mit --watch).")
@click.option("--unklar", "list_unclear", is_flag=True, help="Nur die unklaren Rückläufer auflisten (alle Kommunen).")
def bounces_command(maildir: str | None, watch: bool, interval: float, list_unclear: bool) -> None:
    """Read delivery-status notifications and mark bounced invitations "unzustellbar"."""
    from .services import bounce_sources, bounces

    if list_unclear:
        rows = bounces.unclear(None)
        for row in rows:
            click.echo(f"{row.id}\t{row.received_at:%Y-%m-%d %H:%M}\t{row.sender}\t{row.subject}\t{row.note}")
        click.echo(f"unklar, noch nicht erledigt: {len(rows)}")
        return
    while True:
        try:
            source = bounce_sources.from_config(current_app.config, maildir)
        except (OSError, ValueError, imaplib.IMAP4.error) as error:
            if not watch:
                raise click.ClickException(f"Rückläufer-Postfach nicht lesbar: {error}") from error
            log.warning("bounce mailbox unavailable, retrying in %s s: %s", interval, error)
            time.sleep(interval)
            continue
        if source is None:
            raise click.ClickException("Kein Rückläufer-Postfach: --maildir angeben oder BOUNCE_MAILDIR bzw. "
                                       "BOUNCE_IMAP_HOST setzen (siehe docs/deploy.md).")
        tally = bounces.Tally()
        try:
            for key, raw in source.messages():
                if bounces.already_processed(raw):
                    tally.duplicates += 1
                else:
                    for report in bounces.process(raw, source.name):
                        tally.add(report)
                db.session.commit()  # the outcome is safe before the message is moved away
                source.done(key)
        finally:
            source.close()
            db.session.remove()
        if tally.reports or tally.duplicates or not watch:
            click.echo(f"Rückläufer aus {source.name}: {tally.line()}")
        if tally.unclear:
            words = "unklarer Rückläufer" if tally.unclear == 1 else "unklare Rückläufer"
            click.echo(f"{tally.unclear} {words}: bitte in Lückenlos ansehen (Übersicht → Ansehen …).", err=True)
        if not watch:
            return
        time.sleep(interval)


@catalogue_cli.command("check", with_appcontext=False)
@click.option("--dir", "directory", type=click.Path(exists=True, file_okay=False), default=None,
              help="Einen anderen Katalog-Ordner prüfen.")
def check_catalogue_command(directory: str | None) -> None:
    """Validate every catalogue file; exit non-zero and list each problem.

    It needs no app (and so no SECRET_KEY): the `catalogue` group is also a `flask.commands` entry
    point (pyproject.toml), which Flask runs without loading the app, so an operator can check a
    catalogue before the configuration is complete.
    """
    default = current_app.config.get("CATALOGUE_DIR", QUESTIONNAIRES_DIR) if has_app_context() else QUESTIONNAIRES_DIR
    try:
        catalogue = load_catalogue(directory or default)
    except CatalogueError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        raise SystemExit(1) from None
    count = sum(len(m.questions) for m in catalogue.modules)
    click.echo(f"Katalog in Ordnung: {len(catalogue.modules)} Module, {count} Fragen, {len(catalogue.templates)} "
               f"Vorlagen.")


def backup_clock() -> dt.datetime:
    """The time a backup file is named after (Europe/Berlin wall time would be ambiguous: UTC)."""
    return dt.datetime.now(dt.UTC)


def _backup_folder() -> Path:
    return Path(current_app.instance_path) / "backups"


def _backup_target(to: str | None, url: str) -> Path:
    """`--to` names a folder (existing, or a name without suffix) that gets a timestamped file, or a
    file (`x.dump`, `x.sqlite`); default: <instance>/backups/. A missing folder is created, never
    mistaken for a file name."""
    if to and Path(to).suffix and not Path(to).is_dir():
        return Path(to)
    return backups.default_target(Path(to) if to else _backup_folder(), url, backup_clock())


@click.command("backup")
@click.option("--to", "to", default=None, metavar="PFAD",
              help="Zielordner (ein Zeitstempel je Sicherung) oder Zieldatei mit Endung; Standard: backups/ im "
                   "Instanzordner.")
@click.option("--keep-days", type=click.IntRange(min=1), default=None,
              help="Danach ältere Sicherungen (lueckenlos-*.sqlite/.dump) im Zielordner löschen.")
@with_appcontext
def backup_command(to: str | None, keep_days: int | None) -> None:
    """Back up the whole database while the app runs (SQLite: online backup API; PostgreSQL: pg_dump -Fc)."""
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    target = _backup_target(to, url)
    try:
        result = backups.backup(url, target)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Sicherung geschrieben: {result.path} ({fmt.number(result.size / 1024, 1)} KiB, "
               f"{result.tables} Tabellen)")
    if keep_days and result.path is not None:
        cutoff = backup_clock().timestamp() - keep_days * 86400
        for old in sorted(result.path.parent.glob("lueckenlos-*")):
            if old.suffix in (".sqlite", ".dump") and old != result.path and old.stat().st_mtime < cutoff:
                old.unlink()
                click.echo(f"Alte Sicherung gelöscht: {old}")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False), metavar="SICHERUNG")
@click.option("--yes", is_flag=True, help="Ohne Rückfrage (App und Mail-Worker sind gestoppt).")
@with_appcontext
def restore_command(source: str, yes: bool) -> None:
    """Replace the database by a backup of `flask backup`; the current state is saved first.

    Stop the app servers and the mail worker before, run `flask db upgrade` after.
    """
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    try:
        tables = backups.check_backup(url, Path(source))
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from None
    if backups.is_sqlite(url) and _mail_worker_running():
        raise click.ClickException("Der Mail-Worker läuft noch: bitte zuerst App und Mail-Worker stoppen "
                                   "(systemctl stop lueckenlos lueckenlos-mail).")
    if not yes:
        click.confirm(f"Die Datenbank wird durch {source} ({tables} Tabellen) ersetzt. "
                      "Sind App und Mail-Worker gestoppt?", abort=True)
    db.session.remove()
    db.engine.dispose()  # no pooled connection of ours may hold the old database open
    safety = backups.default_target(_backup_folder(), url, backup_clock())
    safety = backups.unused(safety.with_name(safety.name.replace("lueckenlos-", "lueckenlos-vor-wiederherstellung-",
                                                                 1)))
    try:
        result = backups.restore(url, Path(source), safety)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from None
    if result.path:
        click.echo(f"Der bisherige Stand ist gesichert: {result.path}")
    else:
        click.echo("Die Datenbank war leer: es gab keinen bisherigen Stand zu sichern.")
    click.echo(f"Wiederhergestellt aus {source}. Jetzt `flask db upgrade`, dann App und Mail-Worker starten.")


def _mail_worker_running() -> bool:
    """Whether a mail worker holds the instance folder's lock (SQLite only, see delivery.single_worker)."""
    path = Path(current_app.instance_path) / "mail-worker.lock"
    if not path.exists():
        return False
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False


@links_cli.command("new-key", with_appcontext=False)
def new_link_key_command() -> None:
    """Print a new Fernet key for LINK_KEYS (works before the app is configured)."""
    from .link_keys import new_key

    click.echo(new_key())


@links_cli.command("rotate")
@with_appcontext
def rotate_links_command() -> None:
    """Seal every stored link with the first key of LINK_KEYS; afterwards the older keys can go."""
    from .services.links import rotate

    report = rotate(current_app.config["MAILBOX_DIR"] if current_app.config["DEMO_MODE"] else None)
    db.session.commit()
    click.echo(f"Mit dem ersten Schlüssel aus LINK_KEYS neu versiegelt: {report.invitations} Einladungslinks, "
               f"{report.account_tokens} Passwort-Links, {report.mailbox_files} Dateien im Demo-Postfach.")
    if report.unreadable:
        raise click.ClickException(
            f"{report.unreadable} Links ließ kein Schlüssel aus LINK_KEYS öffnen; sie bleiben, wie sie sind. Ist ein "
            "alter Schlüssel schon entfernt? Dann ihn wieder hinten anfügen und erneut ausführen. / "
            f"{report.unreadable} sealed links could not be opened by any key of LINK_KEYS.")
    click.echo("Jetzt können die älteren Schlüssel aus LINK_KEYS entfernt werden (nach dem Neustart aller Dienste "
               "mit der neuen Liste). / The older keys can now be removed from LINK_KEYS.")


@links_cli.command("migrate")
@with_appcontext
def migrate_links_command() -> None:
    """Seal the links that older versions kept in clear in outbox bodies, and clean those bodies."""
    from .services.links import migrate_legacy, scrub_free_space

    report = migrate_legacy(current_app.config["MAILBOX_DIR"])
    db.session.commit()
    db.session.remove()
    scrub_free_space()
    click.echo(f"{report.invitations} Einladungslinks und {report.account_tokens} Passwort-Links versiegelt, "
               f"{report.bodies} E-Mails im Postausgang ohne Link im Klartext, {report.mailbox_files} Dateien im "
               "Demo-Postfach versiegelt. Versendete Links gelten weiter.")


def register_cli(app: Flask) -> None:
    app.cli.add_command(users)
    app.cli.add_command(demo_command)
    app.cli.add_command(mail_cli)
    app.cli.add_command(catalogue_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(links_cli)
