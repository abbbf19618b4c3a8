"""The paste parser on what planners really paste: Outlook, Excel, mail signatures, lists."""

from __future__ import annotations

import pytest

from survey.services.address_paste import check_address, parse_paste

OUTLOOK = ('"Müller, Anna" <Anna.Mueller@Caritas-Dueren.de>; Kita Sonnenschein <kita@sonnenschein-dueren.de>; '
           "'Schmidt, Bernd' <bernd.schmidt@diakonie-dueren.de>;  info@awo-dueren.de")
EXCEL = ("Organisation\tAnsprechperson\tE-Mail\n"
         "Familienzentrum Regenbogen\tSabine Krüger\t sabine.krueger@fz-regenbogen.de \n"
         "Gesundheitsamt Kreis Düren\tThomas Hoffmann\tgesundheitsamt@kreis-dueren\n"
         "\t\t\n"
         "Jugendzentrum Jülich\t\tJZ-Juelich@Web.DE\n")
MIXED = ("  Jugendzentrum.Juelich@web.de  ,  vorstand@tus-langerwehe.de\n"
         "mailto:bibliothek@dueren.de\n"
         "kita@@regenbogen.de\n"
         "Anna Becker (anna.becker@vhs-rur-eifel.de)\n"
         "ogs-kinderwelt@t-online.de\u200b\n"
         "hebammen@kreis-dueren.de\u00a0;\u00a0praxis.oezdemir @ kinderarzt-dueren.de\n")


def addresses(text: str) -> list[str]:
    return [e.address for e in parse_paste(text)]


def test_outlook_list_keeps_names_with_commas_and_splits_at_semicolons():
    entries = parse_paste(OUTLOOK)
    assert [e.address for e in entries] == ["Anna.Mueller@Caritas-Dueren.de", "kita@sonnenschein-dueren.de",
                                            "bernd.schmidt@diakonie-dueren.de", "info@awo-dueren.de"]
    assert entries[0].name == "Anna Müller" and entries[2].name == "Bernd Schmidt"
    assert entries[1].organisation == "Kita Sonnenschein" and not entries[1].name


def test_spreadsheet_rows_with_header_give_organisation_and_contact():
    entries = parse_paste(EXCEL)
    assert [(e.organisation, e.name, e.address) for e in entries] == [
        ("Familienzentrum Regenbogen", "Sabine Krüger", "sabine.krueger@fz-regenbogen.de"),
        ("Gesundheitsamt Kreis Düren", "Thomas Hoffmann", "gesundheitsamt@kreis-dueren"),
        ("Jugendzentrum Jülich", "", "JZ-Juelich@Web.DE"),
    ]
    assert [e.line for e in entries] == [2, 3, 5]


def test_spreadsheet_rows_without_header_recognise_the_organisation():
    [entry] = parse_paste("Anna Becker\tKita Sonnenschein e. V.\tanna@kita-sonnenschein.de")
    assert entry.organisation == "Kita Sonnenschein e. V." and entry.name == "Anna Becker"


def test_mixed_paste_with_stray_spaces_mailto_and_invisible_characters():
    assert addresses(MIXED) == [
        "Jugendzentrum.Juelich@web.de", "vorstand@tus-langerwehe.de", "bibliothek@dueren.de", "kita@@regenbogen.de",
        "anna.becker@vhs-rur-eifel.de", "ogs-kinderwelt@t-online.de", "hebammen@kreis-dueren.de",
        "praxis.oezdemir@kinderarzt-dueren.de",
    ]
    assert parse_paste(MIXED)[4].name == "Anna Becker"


def test_name_before_address_without_brackets():
    [named] = parse_paste("Kita Sonnenschein kita@sonnenschein.de")
    assert (named.organisation, named.address) == ("Kita Sonnenschein", "kita@sonnenschein.de")
    [typo] = parse_paste("team koordination@ogs.de")  # a space typed into the address
    assert typo.address == "team koordination@ogs.de" and "Leerzeichen" in check_address(typo.address)[1]


def test_nothing_is_dropped_invalid_lines_become_entries():
    entries = parse_paste("kita-sonnenschein.de\n\n   \nkita@x.de")
    assert [e.address for e in entries] == ["kita-sonnenschein.de", "kita@x.de"]


@pytest.mark.parametrize(("address", "reason"), [
    ("kita-sonnenschein.de", "Das @-Zeichen fehlt."),
    ("kita@", "Nach dem @ fehlt"),
    ("kita@@regenbogen.de", "mehr als ein @-Zeichen"),
    ("gesundheitsamt@kreis-dueren", "Endung der Domain"),
    ("anna..becker@vhs.de", "zwei Punkte"),
    ("anna becker@vhs.de", "Leerzeichen"),
])
def test_invalid_addresses_get_a_german_reason(address, reason):
    value, problem = check_address(address)
    assert value == address and reason in problem


def test_valid_addresses_are_normalised_to_lower_case():
    assert check_address("  Anna.Mueller@Caritas-Dueren.DE ") == ("anna.mueller@caritas-dueren.de", "")


@pytest.mark.parametrize("name", ["Langerwehe", "Sekretariat", "Bad Honnef", "NORDSTADT", "Raum 2.14", "Becker"])
def test_a_place_or_a_unit_is_not_taken_as_the_contact_person(name):
    [entry] = parse_paste(f"Kita Sonnenschein\t{name}\tkita@sonne.de")
    assert entry.name == "" and entry.unsure_name == name and entry.organisation == "Kita Sonnenschein"


@pytest.mark.parametrize("name", ["Anna Becker", "Dr. Anna-Lena von Berg", "Frau Becker", "Müller, Anna"])
def test_a_person_stays_the_contact_person(name):
    [entry] = parse_paste(f'"{name}" <anna@sonne.de>')
    assert entry.name and entry.unsure_name == ""


def test_a_removed_trailing_dot_is_noted():
    [dotted, plain] = parse_paste("Bitte an kita@sonne.de.\nkita@mond.de")
    assert dotted.address == "kita@sonne.de" and "Punkt am Ende der Adresse ist entfernt" in dotted.notes[0]
    assert plain.notes == []
