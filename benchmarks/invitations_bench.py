"""Benchmark 4: parsing and previewing a paste of 5,000 addresses; outbox delivery to aiosmtpd.

    python -m benchmarks.invitations_bench [--mails 1000]

prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

from .common import make_app, quiet_logging
from .load import free_port

FIRST = ["Anna", "Mehmet", "Sabine", "Thomas", "Julia", "Olga", "Jürgen", "Ayşe"]
LAST = ["Becker", "Yılmaz", "Krüger", "Hoffmann", "Schmitz", "Nowak", "Özdemir", "Weiß"]
ORGS = ["Kita Sonnenschein", "Familienzentrum Regenbogen", "AWO Kreisverband", "Jugendzentrum Nord", "Caritas"]


def paste_text(count: int, seed: int = 3) -> str:
    """A realistic paste: Outlook-style lists, spreadsheet rows, plain lines, a few typos."""
    rng = random.Random(seed)
    lines = ["Organisation\tAnsprechperson\tE-Mail"]
    for n in range(count):
        first, last, org = rng.choice(FIRST), rng.choice(LAST), rng.choice(ORGS)
        address = f"{first.lower()}.{last.lower()}{n}@traeger{n % 50}.example"
        if n % 97 == 0:
            address = address.replace("@", "")  # typo: missing @
        style = n % 4
        if style == 0:
            lines.append(f"{org} {n}\t{first} {last}\t{address}")
        elif style == 1:
            lines.append(f'"{last}, {first}" <{address}>; ')
        elif style == 2:
            lines.append(f"{first} {last} <{address}>")
        else:
            lines.append(address)
    return "\n".join(lines)


class Sink:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server, session, envelope) -> str:
        self.count += 1
        return "250 OK"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--paste", type=int, default=5000)
    parser.add_argument("--mails", type=int, default=1000)
    parser.add_argument("--max-seconds", type=float, default=60)
    args = parser.parse_args(argv)
    quiet_logging()
    from aiosmtpd.controller import Controller

    from survey.extensions import db
    from survey.services import accounts, surveys
    from survey.services import invitations
    from survey.services.delivery import deliver_due

    result: dict = {"notes": []}
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        with tempfile.TemporaryDirectory(prefix="lueckenlos-bench-") as tmp:
            app = make_app(Path(tmp), MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_RATE_PER_MINUTE=0)
            with app.app_context():
                user = accounts.create_user("Kreis Beispiel", "planung@kreis.example", "benchmark-passwort-1", "planner")
                survey = surveys.create_survey(user.kommune, user, "Einladungstest", contact_name="P. Plan",
                                               contact_email=user.email)
                surveys.add_question(survey, app.extensions["catalogue"].get("netzwerk.fokus"))
                surveys.open_survey(survey)
                db.session.commit()

                text = paste_text(args.paste)
                try:
                    from survey.services.address_paste import parse_paste
                except ImportError:
                    parse_paste = None
                if parse_paste is None:
                    result["notes"].append("survey/services/address_paste.py not available yet")
                else:
                    started = time.perf_counter()
                    entries = parse_paste(text)
                    result["parse_seconds"] = time.perf_counter() - started
                    result["parsed"] = len(entries)
                if hasattr(invitations, "check_paste"):
                    started = time.perf_counter()
                    checked = invitations.check_paste(survey, text)
                    result["preview_seconds"] = time.perf_counter() - started
                    result["preview_entries"] = len(checked)
                    db.session.rollback()
                else:
                    result["notes"].append("invitations.check_paste (preview) not available yet")

                # Invitations for delivery: through the same preview → invite path when it exists.
                started = time.perf_counter()
                mail_text = "\n".join(f"kontakt{n}@traeger{n % 40}.example" for n in range(args.mails))
                if hasattr(invitations, "invite_checked"):
                    created = invitations.invite_checked(survey, invitations.check_paste(survey, mail_text))
                    count = len(created)
                else:
                    count = 0
                    for line in mail_text.splitlines():
                        invitations.invite(survey, line)
                        count += 1
                db.session.commit()
                result["invite_seconds"] = time.perf_counter() - started
                result["invited"] = count

                started = time.perf_counter()
                sent = 0
                while time.perf_counter() - started < args.max_seconds:
                    report = deliver_due()
                    db.session.remove()
                    if not (report.sent or report.retrying or report.failed):
                        break
                    sent += report.sent
                result["deliver_seconds"] = time.perf_counter() - started
                result["sent"] = sent
                result["received"] = sink.count
                db.session.remove()
                db.engine.dispose()
    finally:
        controller.stop()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
