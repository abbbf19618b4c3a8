"""The wording of every mail a respondent gets (invitation, reminder, link, confirmation), as received
by the test SMTP server, for a Stadt, a Kreis and a Gemeinde: the name with its article, the Kommune
first in the subject, a deadline sentence only when there is a deadline, the estimated time the welcome
page shows, voluntariness and how to decline, "um … Uhr", and a closing in every mail."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlparse

import pytest

from factories import deliver, invite, make_survey, make_user
from survey.extensions import db
from survey.models import Survey
from survey.services import follow_up as follow_up_service
from survey.services import invitations, mail_texts
from test_respond import text_of

KOMMUNEN = [("Stadt Wuppertal", "die Stadt Wuppertal"), ("Kreis Düren", "der Kreis Düren"),
            ("Gemeinde Simmerath", "die Gemeinde Simmerath")]


def _plain(mail) -> str:
    return mail.get_body(("plain",)).get_content().replace("\r\n", "\n")


def _mails_of_one_respondent(app, client, inbox, kommune: str, deadline: dt.date | None):
    """Invitation, reminder, link and confirmation mails received for one organisation; and the welcome page."""
    user_id, _email = make_user(app, "planner", kommune=kommune)
    with app.app_context():
        survey = make_survey(user_id)
        survey.deadline = deadline
        db.session.commit()
        token = invite(survey)
    deliver(app)
    with app.app_context():
        follow_up_service.remind([invitations.find_by_token(token)])
        db.session.commit()
    deliver(app)
    welcome = text_of(client.get(f"/r/{token}"))
    client.post(f"/r/{token}/link")
    client.post(f"/r/{token}/start")
    assert client.post(f"/r/{token}/pruefen").headers["Location"].endswith("/fertig")
    deliver(app)
    kinds = {"Einladung": "invitation", "Erinnerung": "reminder", "Ihr Link": "link", "Bestätigung": "confirmation"}
    mails = {}
    for mail in inbox.to("kita@traeger.example"):
        [kind] = [k for word, k in kinds.items() if word in mail["Subject"]]
        mails[kind] = mail
    assert sorted(mails) == sorted(kinds.values())
    return mails, welcome


@pytest.mark.parametrize("kommune, nominative", KOMMUNEN)
def test_every_respondent_mail_names_the_kommune_first_with_article_and_closes(app, client, inbox, kommune, nominative):
    mails, welcome = _mails_of_one_respondent(app, client, inbox, kommune, dt.date(2026, 12, 15))
    for kind, mail in mails.items():
        text = _plain(mail)
        assert mail["Subject"].startswith(f"{kommune}: "), mail["Subject"]
        assert re.search(r"Mit freundlichen Grüßen\nPetra Plan(\n|$)", text), kind
        # every respondent mail links to the accessibility statement and its feedback form
        assert re.search(r"\nBarrierefreiheit: http://\S+/barrierefreiheit/\d+\n$", text), kind
        assert re.search(r'<a href="http://\S+/barrierefreiheit/\d+#rueckmeldung"[^>]*>Barriere melden</a>',
                         mail.get_body(("html",)).get_content()), kind
        assert "Mit freundlichen Grüßen" in mail.get_body(("html",)).get_content(), kind
        assert not re.search(r"[ \t]\n", text), f"{kind}: a line ends in a space"
        bare = r"(?<![Dd]ie )(?<![Dd]er )(?<!den )(?<!vom )(?<!beim )(?<!von der )(?<!bei der )" + kommune
        assert not re.search(bare, text), f"{kind}: the name without its article"
    invitation, reminder = _plain(mails["invitation"]), _plain(mails["reminder"])
    assert f"{nominative} lädt Kita Sonnenschein zur Befragung „Netzwerke 2026“ ein." in invitation
    minutes = re.search(r"etwa (\d+) Minuten", welcome).group(1)
    assert f"Das Ausfüllen dauert etwa {minutes} Minuten. Bitte antworten Sie bis zum 15. Dezember 2026." in invitation
    assert "Bitte antworten Sie bis zum 15. Dezember 2026." in reminder
    assert "Bitte antworten Sie bis zum 15. Dezember 2026." in _plain(mails["link"])
    von = {"die": "von der", "der": "vom"}[nominative.split()[0]] + " " + kommune
    assert f"Kita Sonnenschein wurde vor einiger Zeit {von} zur Befragung „Netzwerke 2026“ eingeladen." in reminder
    assert "Falls Sie inzwischen geantwortet haben" in reminder
    for text in (invitation, reminder):
        assert "Die Teilnahme ist freiwillig." in text
        assert "antworten Sie kurz auf diese E-Mail" in text and "„Ich möchte nicht teilnehmen“" in text
    bei = {"die": "bei der", "der": "beim"}[nominative.split()[0]] + " " + kommune
    check = re.search(r"Ob diese Einladung echt ist, können Sie selbst prüfen: Alle laufenden Befragungen "
                      r"(?:des|der) \S+ \S+ stehen unter (http\S+)\. Oder rufen Sie " + bei
                      + r" an \(die Nummer steht im Telefonverzeichnis auf der Website", " ".join(invitation.split()))
    assert check, invitation
    listed = text_of(client.get(urlparse(check.group(1)).path))  # the public list a respondent can open
    assert "Netzwerke 2026" in listed and "Laufende Befragungen" in listed
    assert re.search(r"sind am \d{1,2}\. \w+ 20\d\d um \d{1,2}:\d\d Uhr eingegangen", _plain(mails["confirmation"]))
    html = mails["invitation"].get_body(("html",)).get_content()
    assert re.search(r'<a href="mailto:planner@\w+\.example"', html)  # the contact address can be clicked


def test_without_a_deadline_no_mail_speaks_of_one(app, client, inbox):
    mails, _welcome = _mails_of_one_respondent(app, client, inbox, "Kreis Düren", None)
    for kind, mail in mails.items():
        for part in (_plain(mail), mail.get_body(("html",)).get_content()):
            assert "Frist" not in part and "bis zum" not in part, kind
    assert re.search(r"Das Ausfüllen dauert etwa \d+ Minuten\.\n\nIhr persönlicher Link", _plain(mails["invitation"]))


def test_the_deadline_sentence_is_a_placeholder_planners_can_use(app, planner):
    with app.app_context():
        survey = make_survey(planner[0])
        survey.deadline = dt.date(2027, 1, 8)
        mail_texts.save_texts(survey, "", "Bis dann: {Fristsatz} Dauer {Zeitaufwand}. {Link}", "", "", None)
        survey = db.session.get(Survey, survey.id)
        invitation, _token = invitations.invite(survey, "x@traeger.example")
        mail = mail_texts.render_mail(survey, invitation, "http://link")
        assert "Bis dann: Bitte antworten Sie bis zum 8. Januar 2027. Dauer etwa 5 Minuten." in mail.text
        db.session.rollback()


def test_the_signature_gives_office_address_phone_and_website_and_the_check_uses_them(app, client, inbox):
    user_id, _email = make_user(app, "planner", kommune="Kreis Düren")
    with app.app_context():
        survey = make_survey(user_id)
        kommune = survey.kommune
        kommune.office, kommune.postal_address = "Amt für Kinder, Jugend und Familie", "Bismarckstraße 16\n52351 Düren"
        kommune.phone, kommune.website = "02421 22-0", "https://www.kreis-dueren.de/"
        kommune.signature = "Sprechzeiten: Mo–Fr 8–12 Uhr"
        db.session.commit()
        token = invite(survey)
    deliver(app)
    [mail] = inbox.to("kita@traeger.example")
    text = _plain(mail)
    assert re.search("\n-- \nKreis Düren · Amt für Kinder, Jugend und Familie\nBismarckstraße 16\n52351 Düren\n"
                     "Tel. 02421 22-0 · www.kreis-dueren.de\nSprechzeiten: Mo–Fr 8–12 Uhr\n\n"
                     "Barrierefreiheit: http://[^/]+/barrierefreiheit/\\d+\n$", text), text
    assert ("Oder rufen Sie beim Kreis Düren (Amt für Kinder, Jugend und Familie) an (Tel. 02421 22-0, die Nummer "
            "steht auch auf www.kreis-dueren.de)") in " ".join(text.split())
    html = mail.get_body(("html",)).get_content()
    assert "Bismarckstraße 16<br>52351 Düren<br>Tel. 02421 22-0 · www.kreis-dueren.de" in html
    # the list the mail points to names the survey (titles only) and the same number
    with app.app_context():
        kommune_id = invitations.find_by_token(token).survey.kommune_id
    page = client.get(f"/befragungen/{kommune_id}")
    assert page.status_code == 200
    listed = text_of(page)
    assert "Netzwerke 2026" in listed and "Tel. 02421 22-0" in listed and "kita@traeger.example" not in listed
    assert client.get(f"/befragungen/{kommune_id + 1000}").status_code == 404
