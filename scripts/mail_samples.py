"""Render one mail of every kind through the app, exactly as the worker would send it, into .eml files.

Used by scripts/mail-spamcheck.sh: a throw-away SQLite database in a scratch folder, a Kommune with
sender name and signature, a survey, invitations, a submitted response, a link mail, a reminder and
the three account mails, made through the services the app uses; each outbox row is built with
`delivery.build_message` (link filled in) and written as `<kind>.eml`.

    python scripts/mail_samples.py OUT_DIR
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(out: Path) -> None:
    scratch = Path(tempfile.mkdtemp(prefix="lueckenlos-mails-"))
    os.environ["LUECKENLOS_INSTANCE"] = str(scratch)
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from survey import create_app
    from survey.extensions import db
    from survey.models import Invitation, OutboxMessage, Response, User
    from survey.services import accounts, delivery, invitations, surveys
    from survey.services import follow_up as follow_up_service

    for old in out.glob("*.eml"):
        old.unlink()
    app = create_app({"TESTING": True, "SECRET_KEY": "mail-samples-only", "DEMO_MODE": False,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{scratch / 'mails.sqlite'}",
                      "BASE_URL": "https://umfrage.kreis-dueren.de", "MAIL_SERVER": "",
                      "MAIL_DEFAULT_SENDER": "Lückenlos <lueckenlos@umfrage.kreis-dueren.de>",
                      "WTF_CSRF_ENABLED": False})
    password = "ein-langes-Kennwort-42"
    with app.app_context():
        upgrade()
        admin = accounts.create_user("Kreis Düren", "planung@kreis-dueren.de", password, "admin", "Petra Plan")
        accounts.set_districts(admin.kommune, ["Düren-Nord", "Düren-Süd", "Kreuzau"])
        analyst = accounts.create_user("Kreis Düren", "auswertung@kreis-dueren.de", password, "analyst", "Anna Lyse")
        kommune = admin.kommune
        kommune.sender_name = "Kreis Düren – Jugendamt"
        kommune.office = "Amt für Kinder, Jugend und Familie"
        kommune.postal_address = "Bismarckstraße 16\n52351 Düren"
        kommune.phone, kommune.website = "02421 22-0", "https://www.kreis-dueren.de"
        survey = surveys.create_survey(kommune, admin, "Netzwerke Frühe Hilfen 2026", contact_name="Petra Plan",
                                       contact_email=admin.email)
        for key in ("akteur.name", "kooperation.partner"):
            surveys.add_question(survey, app.extensions["catalogue"].get(key))
        for item in survey.items:
            item.required = False
        surveys.open_survey(survey)
        answering, token = invitations.invite(survey, "kita.sonnenschein@traeger.de", organisation="Kita Sonnenschein",
                                              contact_name="Maria Müller")
        waiting, waiting_token = invitations.invite(survey, "jugendzentrum@traeger.de", organisation="Jugendzentrum")
        db.session.commit()
        answering_id, waiting_id, admin_id, analyst_email = answering.id, waiting.id, admin.id, analyst.email
    respondent = app.test_client()
    respondent.post(f"/r/{token}/start")
    with app.app_context():
        response = db.session.scalar(sa.select(Response).where(Response.invitation_id == answering_id))
        assert response is not None  # started above
        draft = dict(response.draft, **{"akteur.name": ["Kita Sonnenschein"]})
        for n, name in enumerate(["Familienzentrum Nord", "Grundschule am Park", "Hebammenpraxis Mitte"]):
            draft |= {f"kooperation.partner/{n}/actor": [""], f"kooperation.partner/{n}/name": [name],
                      f"kooperation.partner/{n}/art": ["informationsaustausch"],
                      f"kooperation.partner/{n}/haeufigkeit": ["monatlich"]}
        response.draft = draft
        db.session.commit()
    respondent.post(f"/r/{token}/pruefen")
    other = app.test_client()
    other.post(f"/r/{waiting_token}/start")
    other.post(f"/r/{waiting_token}/link")
    with app.app_context():
        waiting_invitation, admin_now = db.session.get(Invitation, waiting_id), db.session.get(User, admin_id)
        assert waiting_invitation is not None and admin_now is not None  # made above
        follow_up_service.remind([waiting_invitation])
        accounts.invite_user(admin_now, "kollegin@kreis-dueren.de", "planner")
        accounts.request_password_reset(analyst_email)
        accounts.change_password(admin_now, password, "ein-neues-langes-Kennwort-43")
        db.session.commit()
        out.mkdir(parents=True, exist_ok=True)
        for row in db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)):
            path = out / f"{row.kind}.eml"
            if not path.exists():  # one of each kind (two invitations were sent)
                path.write_bytes(delivery.build_message(row).as_bytes())
                print(path)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
