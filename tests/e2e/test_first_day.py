"""The first day of a Kommune in a real browser, from an empty database (no demo data):

the first admin is created on the command line, logs in, fills the Kommune settings, pastes five
districts and invites a planner and an analyst; both set their passwords through the mailed links.
The planner imports the actor register with a Stadtteil column, builds a survey with the district
question and the offers group, opens it and invites three organisations from the register; they
answer through their mailed links (one on a 390 px phone); the analyst opens the results and sees
the coverage life phase × district. Every page met is read for the Kommune's name without article;
a screenshot of each role's main step goes to tests/e2e/screenshots/ and /tmp/firstday/.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from e2e.walk import sign_in
from factories import deliver
from survey.extensions import db
from survey.models import Kommune, User
from test_name_forms_everywhere import BAD

pytestmark = pytest.mark.e2e

SHOT_DIRS = (Path(__file__).parent / "screenshots", Path("/tmp/firstday"))
ADMIN = "admin@wuppertal.example"
PLANNER = "petra.plan@wuppertal.example"
ANALYST = "anton.auswertung@wuppertal.example"
PASSWORDS = {ADMIN: "Rathaus am Johannes-Rau-Platz 1", PLANNER: "Schwebebahn über der Wupper 7",
             ANALYST: "Drei Zahlen und ein Diagramm 9"}
DISTRICTS = ["Elberfeld", "Barmen", "Vohwinkel", "Ronsdorf", "Cronenberg"]
ORGANISATIONS = [  # name, address, district in the register, the offer it reports: name, life phases, districts
    ("Kita Sonnenschein", "kita@traeger.example", "Elberfeld",
     ("Babyclub", ["Rund um die Kita"], ["Elberfeld", "Barmen"])),
    ("Familienzentrum Barmen", "fz@traeger.example", "Barmen", ("Elterncafé", ["Rund um Schwangerschaft und Geburt",
                                                                             "Rund um die Kita"], ["Barmen"])),
    ("Jugendtreff Vohwinkel", "jt@traeger.example", "Vohwinkel", ("Lernhilfe", ["Grundschule"], ["Vohwinkel"])),
]
PRIVACY_GAPS = {  # what a planner writes into the [Stellen] of the Kommune's privacy template
    "Amt/Fachbereich": "Jugendamt, Neumarkt 10, 42103 Wuppertal",
    "Name": "Dana Schutz, datenschutz@wuppertal.example",
    "z. B. Art. 6 Abs. 1 lit. e DSGVO": "Art. 6 Abs. 1 lit. e DSGVO",
    "Zeitpunkt": "sechs Monate nach Ende der Befragung",
    "zuständige Aufsichtsbehörde": "Landesbeauftragte für Datenschutz und Informationsfreiheit NRW",
}
REGISTER_CSV = (  # as Excel saves it: BOM, semicolons, labels rather than codes
    "\ufeffName;Trägerart;Sektor;Stadtteil;Ansprechperson;E-Mail\r\n"
    "Kita Sonnenschein;Freier Träger der Jugendhilfe;Kindertagesbetreuung (Kita, Kindertagespflege);Elberfeld;"
    "Kerstin Kita;kita@traeger.example\r\n"
    "Familienzentrum Barmen;Wohlfahrtsverband (z. B. AWO, Caritas, Diakonie, DRK, Paritätischer);Frühe Hilfen;"
    "Barmen;;fz@traeger.example\r\n"
    "Jugendtreff Vohwinkel;Verein oder Initiative;Kinder- und Jugendhilfe;Vohwinkel;;jt@traeger.example\r\n")


def _shot(page, name: str, part=None) -> None:
    """A full-page screenshot, or of one part (a locator: its lazy images are scrolled into view first)."""
    for folder in SHOT_DIRS:
        folder.mkdir(parents=True, exist_ok=True)
        if part is None:
            page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
        else:
            part.screenshot(path=str(folder / f"{name}.png"))


def _reads_well(page, where: str) -> str:
    """The page's text; it fails when the Kommune's name stands in a sentence without its article."""
    text = page.inner_text("body")
    bad = BAD.search(text)
    assert not bad, f"{where}: „{text[max(0, bad.start() - 40):bad.end() + 40]}“"
    assert "500" not in page.title() and "Internal Server Error" not in text, where
    return text


# The outermost elements that reach past the screen's right edge (for the failure message).
WIDER_THAN_SCREEN = """[...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > innerWidth + 1
               && e.parentElement.getBoundingClientRect().right <= innerWidth + 1)
  .map(e => e.tagName.toLowerCase() + '.' + [...e.classList].join('.') + ' in ' + e.parentElement.tagName.toLowerCase()
            + '.' + [...e.parentElement.classList].join('.') + ': '
            + Math.round(e.getBoundingClientRect().right) + ' px')
  .slice(0, 5)"""


def _fits_phone(page, base: str, paths: list[str], role: str) -> None:
    """Each page of the role reads well and does not scroll sideways on a 390 px phone."""
    size = page.viewport_size
    page.set_viewport_size({"width": 390, "height": 844})
    wide = {}
    for path in paths:
        page.goto(base + path)
        _reads_well(page, path)
        if (width := page.evaluate("document.documentElement.scrollWidth")) > 390:
            wide[path] = (width, page.evaluate(WIDER_THAN_SCREEN))
        _shot(page, f"390px-{role}-{path.strip('/').replace('/', '-') or 'start'}")
    page.set_viewport_size(size)
    assert wide == {}, f"scrolls sideways at 390 px: {wide}"


def _mail_link(app, inbox, address: str, pattern: str) -> str:
    """Deliver the outbox and return the path of the newest link to `address` (checked for the article)."""
    deliver(app)
    mail = inbox.to(address)[-1]
    text = mail.get_body(("plain",)).get_content()
    assert not BAD.search(text) and not BAD.search(mail["Subject"]), text
    assert not BAD.search(mail.get_body(("html",)).get_content())
    assert mail["From"].addresses[0].display_name == "Stadt Wuppertal – Präventionskette"
    SHOT_DIRS[1].mkdir(parents=True, exist_ok=True)
    (SHOT_DIRS[1] / f"mail-{address}.txt").write_text(f"Subject: {mail['Subject']}\n\n{text}", encoding="utf-8")
    return re.search(r"http://127\.0\.0\.1:5000(" + pattern + r"\S+)", text).group(1)


def _login(page, base: str, email: str) -> None:
    sign_in(page, base, email, PASSWORDS[email], path="/")
    expect(page.get_by_role("button", name="Abmelden")).to_be_visible()


def _set_password(browser, base: str, link: str, email: str):
    context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(base + link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Passwort festlegen")
    _reads_well(page, "Passwort festlegen")
    page.get_by_label("Neues Passwort", exact=True).fill(PASSWORDS[email])
    page.get_by_label("Neues Passwort wiederholen").fill(PASSWORDS[email])
    page.get_by_role("button", name="Passwort speichern und anmelden").click()
    expect(page.get_by_role("button", name="Abmelden")).to_be_visible()
    return context, page


@pytest.mark.both_databases
def test_first_day_from_empty_install_to_coverage_by_district(app, runner, browser, live_server, inbox, tmp_path):
    # --- The first admin, on the command line, in an empty database. ---
    with app.app_context():
        for model in (Kommune, User):  # no demo, no Kommune, no account
            assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) == 0
    result = runner.invoke(args=["users", "create-admin", "--kommune", "Stadt Wuppertal", "--email", ADMIN,
                                 "--name", "Anna Admin"], input=f"{PASSWORDS[ADMIN]}\n{PASSWORDS[ADMIN]}\n")
    assert result.exit_code == 0, result.output
    assert "Administration für die Stadt Wuppertal angelegt: admin@wuppertal.example." in result.output
    assert "Verwaltung ist unter" in result.output

    admin_context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
    admin_context.set_default_timeout(10_000)
    page = admin_context.new_page()
    _login(page, live_server, ADMIN)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Verwaltung")
    _reads_well(page, "Verwaltung")

    # --- Kommune settings. ---
    page.get_by_role("link", name="Einstellungen").first.click()
    expect(page.get_by_label("Name der Kommune")).to_have_value("Stadt Wuppertal")
    page.get_by_label("Art der Kommune").fill("Stadt")
    page.get_by_label("die (die Stadt)").check()
    page.get_by_label("Absendername der E-Mails").fill("Stadt Wuppertal – Präventionskette")
    page.get_by_label("Amt oder Fachbereich").fill("Jugendamt, Präventionskette")
    page.get_by_label("Anschrift").fill("Neumarkt 10\n42103 Wuppertal")
    page.get_by_label("Telefon", exact=True).fill("0202 563-0")
    page.get_by_label("Website der Kommune").fill("www.wuppertal.de")  # refused: not a full address
    page.get_by_role("button", name="Speichern").click()
    expect(page.locator("#website-error")).to_contain_text("https://")
    expect(page.get_by_label("Anschrift")).to_have_value("Neumarkt 10\n42103 Wuppertal")  # nothing typed is lost
    page.get_by_label("Website der Kommune").fill("https://www.wuppertal.de/")
    page.get_by_label("Kontakt", exact=True).fill("Anna Admin, Telefon 0202 563-0, praevention@wuppertal.example")
    page.get_by_label("Impressum (Webadresse)").fill("https://www.wuppertal.de/impressum")
    page.get_by_label("Datenschutzerklärung (Webadresse)").fill("https://www.wuppertal.de/datenschutz")
    page.get_by_role("button", name="Speichern").click()
    text = _reads_well(page, "Einstellungen")
    assert "Die Einstellungen sind gespeichert." in text
    for sentence in ("Die Stadt Wuppertal lädt Sie zur Befragung", "Eine Befragung der Stadt Wuppertal.",
                     "Ihre Antworten sind bei der Stadt Wuppertal angekommen.", "von der Stadt Wuppertal"):
        assert sentence in text, sentence
    _shot(page, "1-admin-einstellungen")

    # --- Five districts by paste. ---
    page.goto(f"{live_server}/admin/")
    page.get_by_role("link", name=re.compile("Stadtteile")).first.click()
    page.get_by_label("Liste einfügen (ein Name pro Zeile)").fill("\n".join(DISTRICTS))
    page.get_by_role("button", name="Alle anlegen").click()
    expect(page.locator("#report")).to_contain_text("5 Stadtteile angelegt")
    _reads_well(page, "Stadtteile")
    _shot(page, "2-admin-stadtteile")

    # --- Invite a planner and an analyst. ---
    page.goto(f"{live_server}/admin/")
    page.get_by_role("link", name="Benutzerinnen und Benutzer").click()
    for email, name, role in ((PLANNER, "Petra Plan", "planner"), (ANALYST, "Anton Auswertung", "analyst")):
        page.get_by_label("E-Mail-Adresse").fill(email)
        page.get_by_label("Name", exact=True).fill(name)
        page.get_by_label("Rolle", exact=True).select_option(role)
        page.get_by_role("button", name="Einladen").click()
        expect(page.get_by_role("status")).to_contain_text(f"{name} ist eingeladen")
    _reads_well(page, "Benutzer")
    _shot(page, "3-admin-benutzer")
    _fits_phone(page, live_server, ["/admin/", "/admin/benutzer", "/admin/stadtteile"], "admin")
    admin_context.close()

    planner_link = _mail_link(app, inbox, PLANNER, "/passwort/")
    analyst_link = _mail_link(app, inbox, ANALYST, "/passwort/")
    planner_context, page = _set_password(browser, live_server, planner_link, PLANNER)
    expect(page.get_by_role("heading", level=1)).to_have_text("Übersicht")
    _reads_well(page, "Übersicht der Planerin")

    # --- The planner imports the register with a Stadtteil column. ---
    page.get_by_role("link", name=re.compile("Akteur")).first.click()
    page.get_by_role("link", name=re.compile("Importieren")).first.click()
    register = tmp_path / "verzeichnis.csv"
    register.write_text(REGISTER_CSV, encoding="utf-8")
    page.get_by_label("Datei").set_input_files(str(register))
    page.get_by_role("button", name="Vorschau anzeigen").click()
    expect(page.get_by_role("status")).to_contain_text("3 neu")
    _reads_well(page, "Importvorschau")
    _shot(page, "4-planung-importvorschau")
    page.get_by_role("button", name="Ausgewählte Zeilen übernehmen").click()
    text = _reads_well(page, "Akteursverzeichnis")
    for name, _address, district, _offer in ORGANISATIONS:
        assert name in text and district in text

    # --- The planner builds a survey with the district question and the offers group, and opens it. ---
    page.goto(f"{live_server}/")
    page.get_by_role("link", name="Neue Befragung").first.click()
    page.get_by_label("Titel der Befragung").fill("Angebote für Familien 2026")
    notice = page.get_by_label("Hinweis zum Datenschutz", exact=False)
    notice_text = notice.input_value()
    assert "Verantwortlich für diese Befragung ist die Stadt Wuppertal, [Amt/Fachbereich, Anschrift]" in notice_text
    page.get_by_role("button", name="Befragung anlegen").click()  # the notice is completed later
    survey_url = re.sub(r"[?#].*$", "", page.url)
    page.get_by_role("link", name="Fragen aus dem Katalog hinzufügen").click()
    for words, prompt in (("Stadtteilen bzw", "In welchen Stadtteilen bzw. Sozialräumen ist Ihre Einrichtung tätig?"),
                          ("Angebote im Einzelnen", "Ihre Angebote im Einzelnen")):
        page.get_by_label("Fragen suchen").fill(words)
        page.get_by_role("button", name="Anzeigen").click()
        page.get_by_role("button", name=f"Hinzufügen: {prompt}").click()
    page.goto(survey_url)
    page.get_by_role("button", name="Befragung öffnen").click()
    # Opening is refused while the privacy notice has [Stellen] left; the message names them.
    expect(page.locator(".flash")).to_contain_text("[Amt/Fachbereich, Anschrift]")
    _reads_well(page, "Öffnen verweigert")
    _shot(page, "5-planung-datenschutz-fehlt")
    page.get_by_role("link", name="Angaben bearbeiten").click()
    notice = page.get_by_label("Hinweis zum Datenschutz", exact=False)
    notice.fill(re.sub(r"\[([^\]]*)\]", lambda gap: PRIVACY_GAPS[gap.group(1).split(",")[0]], notice.input_value()))
    page.get_by_role("button", name="Speichern").click()
    page.goto(survey_url)
    page.get_by_role("button", name="Befragung öffnen").click()
    page.get_by_role("button", name="Befragung öffnen").click()  # on the page that says what opening does
    expect(page.locator(".flash")).to_contain_text("geöffnet")
    _reads_well(page, "Befragung geöffnet")

    page.get_by_role("link", name="Einladungen").first.click()
    page.get_by_role("link", name="Aus dem Akteursverzeichnis einladen").click()
    page.get_by_role("button", name="Ausgewählte einladen").click()
    expect(page.locator(".flash")).to_contain_text("3")
    _reads_well(page, "Einladungen")
    _shot(page, "6-planung-einladungen")

    # --- Three organisations answer through their mailed links; the last one on a phone. ---
    for n, (name, address, home, (offer, phases, offer_districts)) in enumerate(ORGANISATIONS):
        link = _mail_link(app, inbox, address, "/r/")
        text = inbox.to(address)[-1].get_body(("plain",)).get_content().replace("\r\n", "\n")
        # After the salutation's comma a German letter goes on in lower case.
        greeting = "Guten Tag Kerstin Kita" if n == 0 else "Guten Tag"  # the register's contact person
        assert f"{greeting},\n\ndie Stadt Wuppertal lädt {name} zur Befragung" in text
        # the Kommune's signature, and how to check the mail is genuine: the public list, the phone number
        assert "-- \nStadt Wuppertal · Jugendamt, Präventionskette\nNeumarkt 10\n42103 Wuppertal\n" \
               "Tel. 0202 563-0 · www.wuppertal.de" in text
        check = re.search(r"Alle laufenden Befragungen der Stadt Wuppertal stehen unter (\S+)\. Oder rufen Sie "
                          r"bei der Stadt Wuppertal \(Jugendamt, Präventionskette\) an \(Tel\. 0202 563-0",
                          " ".join(text.split()))
        assert check, text
        phone = n == len(ORGANISATIONS) - 1
        context = browser.new_context(locale="de-DE", viewport={"width": 390, "height": 844} if phone
                                      else {"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        respondent = context.new_page()
        respondent.goto(live_server + link)
        text = _reads_well(respondent, f"Willkommen ({name})")
        assert "der Stadt Wuppertal" in text
        expect(respondent.get_by_role("link", name="Impressum")).to_have_attribute(
            "href", "https://www.wuppertal.de/impressum")
        if phone:
            _shot(respondent, "7-antwort-390px-willkommen")
            respondent.goto(live_server + urlsplit(check.group(1)).path)  # the list the mail names, on the phone
            expect(respondent.get_by_role("heading", level=1)).to_have_text("Laufende Befragungen der Stadt Wuppertal")
            expect(respondent.get_by_role("listitem")).to_have_text(["Angebote für Familien 2026"])
            _reads_well(respondent, "Laufende Befragungen")
            assert respondent.evaluate("document.documentElement.scrollWidth") <= 390
            _shot(respondent, "7b-antwort-390px-echtheit")
            respondent.goto(live_server + link)
            # a barrier reported from the welcome page's footer reaches the admin
            respondent.get_by_role("link", name="Barriere melden").click()
            expect(respondent.get_by_role("heading", name="Barriere melden")).to_be_visible()
            respondent.get_by_label("Was hat nicht funktioniert?").fill("Die Schrift ist mir zu klein.")
            respondent.get_by_role("button", name="Rückmeldung senden").click()
            expect(respondent.get_by_role("status")).to_contain_text("Vielen Dank! Ihre Rückmeldung ist an die Stadt")
            _reads_well(respondent, "Erklärung zur Barrierefreiheit")
            assert respondent.evaluate("document.documentElement.scrollWidth") <= 390
            _shot(respondent, "7c-antwort-390px-barrierefreiheit")
            deliver(app)
            assert "Die Schrift ist mir zu klein." in inbox.to(ADMIN)[-1].get_body(("plain",)).get_content()
            respondent.goto(live_server + link)
        respondent.get_by_role("button", name="Befragung beginnen").click()
        _reads_well(respondent, f"Seite 1 ({name})")
        if phone:
            assert respondent.evaluate("document.documentElement.scrollWidth") <= 390
        respondent.get_by_label(home).check()
        respondent.get_by_role("button", name="Ersten Eintrag hinzufügen").click()
        respondent.get_by_label("Name des Angebots").fill(offer)
        for phase in phases:
            respondent.get_by_label(phase).check()
        for district in offer_districts:
            respondent.get_by_label(district).check()
        if phone:
            assert respondent.evaluate("document.documentElement.scrollWidth") <= 390
            _shot(respondent, "8-antwort-390px-eintrag")
        respondent.get_by_role("button", name="Speichern und zurück zur Liste").click()
        expect(respondent.locator(".entry-title")).to_have_text([offer])
        respondent.get_by_role("button", name="Weiter zur Übersicht").click()
        _reads_well(respondent, f"Übersicht ({name})")
        respondent.get_by_role("button", name="Absenden").click()
        expect(respondent.get_by_role("heading", level=1)).to_have_text("Vielen Dank!")
        text = _reads_well(respondent, f"Vielen Dank ({name})")
        if phone:
            assert respondent.evaluate("document.documentElement.scrollWidth") <= 390
            _shot(respondent, "9-antwort-390px-danke")
        context.close()

    page.goto(f"{live_server}/")
    _reads_well(page, "Übersicht nach den Antworten")
    expect(page.locator("main")).to_contain_text("3 erreicht · 3 geöffnet · 3 begonnen · 3 abgeschickt")
    page.goto(f"{survey_url}/invitations")
    # The state counts say they are about those who have not submitted, so "0" does not read as "not sent".
    expect(page.locator(".counts")).to_contain_text("Versendet, noch nicht geöffnet: 0")
    page.goto(f"{live_server}/")
    _shot(page, "10-planung-uebersicht")
    survey_path = survey_url.replace(live_server, "")
    _fits_phone(page, live_server, ["/", "/actors", survey_path, f"{survey_path}/invitations"], "planung")
    planner_context.close()

    # --- The analyst sets a password, lands on the results and sees coverage by district. ---
    analyst_context, page = _set_password(browser, live_server, analyst_link, ANALYST)
    expect(page).to_have_url(re.compile(r"/results/$"))
    _reads_well(page, "Auswertung: Liste")
    _shot(page, "11-auswertung-liste")
    page.get_by_role("link", name="Angebote für Familien 2026").click()
    _reads_well(page, "Ergebnisse")
    coverage = page.locator("section[aria-labelledby=abdeckung]")
    chart = coverage.locator("img").first
    chart.scroll_into_view_if_needed()
    # The first chart of a fresh install is drawn cold (matplotlib, fonts): allow a loaded machine a minute.
    page.wait_for_function("img => img.complete && img.naturalWidth > 400", arg=chart.element_handle(), timeout=60_000)
    coverage.locator("summary", has_text="Tabelle zum Diagramm").first.click()
    table = coverage.locator("table").first
    for district in DISTRICTS:
        expect(table).to_contain_text(district)
    # Babyclub (Kita; Elberfeld, Barmen) and Elterncafé (Schwangerschaft, Kita; Barmen): two offers in Barmen × Kita.
    kita_row = table.locator("tr", has_text="Rund um die Kita")
    expect(kita_row.locator("td")).to_have_text(["1", "2", "0", "0", "0"])
    expect(coverage).to_contain_text("Lücken in Worten")
    _shot(page, "12-auswertung-abdeckung", coverage)
    _fits_phone(page, live_server, [survey_path.replace("/surveys/", "/results/")], "auswertung")
    analyst_context.close()

    # --- The admin reads the day in the audit log: who did what, filtered by person; the survey's own log. ---
    admin_context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
    admin_context.set_default_timeout(10_000)
    page = admin_context.new_page()
    _login(page, live_server, ADMIN)
    page.goto(f"{live_server}/admin/")
    page.get_by_role("link", name="Protokoll").click()
    log = page.locator("table.audit-log")
    for said in ("Einstellungen der Kommune geändert", "Konto angelegt und eingeladen (Planung): Petra Plan",
                 "Akteursverzeichnis importiert: 3 neu", "Befragung „Angebote für Familien 2026“ gestartet",
                 "Eingeladen: „Kita Sonnenschein“", "Erstes Passwort gesetzt: Anton Auswertung"):
        expect(log).to_contain_text(said)
    _reads_well(page, "Protokoll")
    _shot(page, "13-admin-protokoll")
    page.get_by_label("Person").select_option(label=f"Petra Plan ({PLANNER})")
    page.get_by_role("button", name="Filtern").click()
    expect(log).to_contain_text("Befragung „Angebote für Familien 2026“ gestartet")
    expect(log).not_to_contain_text("Konto angelegt")  # the admin's own entries are filtered out
    with page.expect_download() as download:
        page.get_by_role("link", name="Als CSV herunterladen").click()
    exported = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert exported.startswith("Zeitpunkt;Person;Aktion;") and "Petra Plan" in exported
    assert "Anna Admin" not in exported.split("\n", 1)[1]
    page.goto(f"{survey_url}/protokoll")
    expect(page.locator("table.audit-log")).to_contain_text("Eingeladen: „Jugendtreff Vohwinkel“")
    expect(page.locator("table.audit-log")).not_to_contain_text("Akteursverzeichnis importiert")
    _fits_phone(page, live_server, ["/admin/protokoll", survey_path + "/protokoll"], "admin-protokoll")
    admin_context.close()
