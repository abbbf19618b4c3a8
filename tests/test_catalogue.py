"""The shipped question catalogue loads cleanly, and every broken example is reported precisely."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from questionnaires import CatalogueError, load_catalogue
from questionnaires.kinds import KINDS
from questionnaires.loader import DATA_DIR

BROKEN = Path(__file__).parent / "catalogue"


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def all_questions(catalogue):
    """Every question, including the fields of groups and partner rosters."""
    for question in catalogue.by_key.values():
        yield question
        yield from question.fields


# --- the shipped catalogue ---------------------------------------------------------------------


def test_shipped_catalogue_loads_without_problems():
    try:
        load_catalogue()
    except CatalogueError as error:  # pragma: no cover - shows every problem when it fails
        pytest.fail("Der Katalog hat Probleme:\n" + "\n".join(str(p) for p in error.problems))


def test_catalogue_has_the_four_modules(catalogue):
    assert {m.key for m in catalogue.modules} == {"akteur", "angebote", "netzwerk", "kooperation"}
    for module in catalogue.modules:
        assert module.title and module.description
        assert all(module.sections), f"{module.key}: a section without title"


def test_at_least_sixty_answerable_questions(catalogue):
    answerable = [q for q in catalogue.by_key.values() if KINDS[q.kind].answerable]
    assert len(answerable) >= 60
    assert len(catalogue.by_key) >= 70


def test_every_kind_is_used(catalogue):
    used = {q.kind for q in all_questions(catalogue)}
    assert used == set(KINDS)


@pytest.mark.parametrize(
    "key, kind",
    [
        ("akteur.name", "short_text"),
        ("akteur.traegerart", "single_choice"),
        ("akteur.sektor", "single_choice"),
        ("akteur.stadtteile", "district"),
        ("akteur.mitarbeitende", "number"),
        ("angebote.angebote", "group"),
        ("netzwerk.wirkungskreis", "single_choice"),
        ("netzwerk.lebensphasen", "multiple_choice"),
        ("netzwerk.fokus", "long_text"),
        ("kooperation.partner", "partner_roster"),
    ],
)
def test_fixed_keys_other_code_depends_on(catalogue, key, kind):
    question = catalogue.get(key)
    assert question is not None, key
    assert question.kind == kind


def test_akteur_name_is_required(catalogue):
    assert catalogue.get("akteur.name").required


def test_netzwerk_lebensphasen_offers_sonstiges(catalogue):
    assert catalogue.get("netzwerk.lebensphasen").other


def test_traegerarten_and_sektoren(catalogue):
    traegerart = catalogue.get("akteur.traegerart")
    assert traegerart.other
    assert {
        "oeffentlicher_traeger", "freier_traeger", "wohlfahrtsverband", "verein", "kirche",
        "unternehmen", "praxis", "schule", "kita_traeger",
    } <= set(traegerart.option_codes)
    assert {
        "kinder_jugendhilfe", "gesundheit", "schule", "kita", "soziales", "sport", "kultur",
        "ausbildung_arbeit", "polizei_justiz", "stadtentwicklung", "integration", "fruehe_hilfen",
    } <= set(catalogue.get("akteur.sektor").option_codes)


def test_offer_group_fields(catalogue):
    group = catalogue.get("angebote.angebote")
    kinds = {f.key.removeprefix("angebote.angebote."): f.kind for f in group.fields}
    expected = {
        "name": "short_text",
        "beschreibung": "long_text",
        "lebensphasen": "multiple_choice",
        "zielgruppen": "multiple_choice",
        "stadtteile": "district",
        "setting": "multiple_choice",
        "kosten": "single_choice",
        "seit": "year",
        "standards": "multiple_choice",
    }
    assert expected.items() <= kinds.items()
    assert {"sprachen", "zugang", "finanzierung", "auslastung"} <= kinds.keys()
    fields = {f.key.rsplit(".", 1)[-1]: f for f in group.fields}
    assert fields["setting"].option_codes == ("komm", "geh", "regeleinrichtung", "digital")
    assert fields["kosten"].option_codes == ("kostenfrei", "geringer_beitrag", "kostenpflichtig")
    assert set(fields["standards"].option_codes) == {
        "beteiligung", "eltern_kinder_staerken", "aufsuchend", "ungleiches_ungleich", "inklusion",
        "uebergaenge", "multiprofessionell",
    }


def test_partner_roster_fields(catalogue):
    roster = catalogue.get("kooperation.partner")
    fields = {f.key: f for f in roster.fields}
    art = fields["kooperation.partner.art"]
    assert art.kind == "multiple_choice"
    assert art.option_codes == ("informationsaustausch", "fallabstimmung", "gemeinsame_angebote",
                                "formale_vereinbarung")
    haeufigkeit = fields["kooperation.partner.haeufigkeit"]
    assert haeufigkeit.kind == "single_choice"
    assert haeufigkeit.option_codes == ("seltener", "mehrmals_jahr", "monatlich", "woechentlich")


def test_shared_lists():
    lists = tomllib.loads((DATA_DIR / "lists.toml").read_text(encoding="utf-8"))["lists"]
    codes = {name: [o["code"] for o in table["options"]] for name, table in lists.items()}
    assert codes["ja_nein"] == ["ja", "nein"]
    assert codes["lebensphasen"][:5] == [
        "schwangerschaft_geburt", "kita", "grundschule", "weiterfuehrende_schule", "jugend_beruf",
    ]
    assert codes["zustimmung_5"] == [
        "trifft_gar_nicht_zu", "trifft_eher_nicht_zu", "teils_teils", "trifft_eher_zu", "trifft_voll_zu",
    ]
    assert {"traegerarten", "sektoren", "zielgruppen", "praeventionsstandards"} <= codes.keys()


def test_wuppertal_pilot_questions_verbatim(catalogue):
    prompts = {q.prompt for q in catalogue.by_key.values()}
    for wording in (
        "Seit wann besteht das Netzwerk?",
        "Auf welchen Wirkungskreis bezieht sich das Netzwerk?",
        "Nennen Sie die drei wesentlichsten Themen, die im Netzwerk behandelt werden.",
        "Sind die Ziele des Netzwerks festgeschrieben?",
        "Wo sind sie festgehalten?",
    ):
        assert wording in prompts
    assert catalogue.get("netzwerk.fokus").prompt.startswith("Gibt es einen Fokus des Netzwerks?")
    where = next(q for q in catalogue.by_key.values() if q.prompt == "Wo sind sie festgehalten?")
    assert where.condition.questions == ("netzwerk.ziele_festgeschrieben",)
    assert catalogue.get("netzwerk.themen").max_entries == 3


def test_numbers_have_bounds_and_lists_a_maximum(catalogue):
    for question in all_questions(catalogue):
        if question.kind == "number":
            assert question.minimum is not None and question.maximum is not None, question.key
        if question.kind == "list":
            assert question.max_entries, question.key


def test_choice_questions_with_sonstiges_exist(catalogue):
    assert sum(q.other for q in all_questions(catalogue) if q.kind == "multiple_choice") >= 3


def test_field_keys_do_not_clash_with_question_keys(catalogue):
    for question in catalogue.by_key.values():
        for sub in question.fields:
            assert sub.key not in catalogue.by_key, sub.key


# --- templates ---------------------------------------------------------------------------------


def test_the_three_templates_exist(catalogue):
    assert {t.key for t in catalogue.templates} == {
        "netzwerkbefragung_stadtteilkonferenzen",
        "akteursbefragung_netzwerk",
        "bestandsaufnahme_angebote",
    }


@pytest.mark.parametrize(
    "template_key",
    ["netzwerkbefragung_stadtteilkonferenzen", "akteursbefragung_netzwerk", "bestandsaufnahme_angebote"],
)
def test_template_resolves(catalogue, template_key):
    template = next(t for t in catalogue.templates if t.key == template_key)
    assert template.title != template.key
    assert template.description.strip()
    assert template.pages
    keys = [key for title, page_keys in template.pages for key in page_keys]
    for title, page_keys in template.pages:
        assert title.strip() and page_keys
    assert len(keys) == len(set(keys)), "a question appears twice"
    position = {key: n for n, key in enumerate(keys)}
    for key in keys:
        question = catalogue.get(key)
        assert question is not None, key
        if question.condition:
            # a conditional question without the question it depends on would never be shown
            assert all(position.get(k, len(keys)) < position[key] for k in question.condition.questions), key
    assert any(KINDS[catalogue.get(k).kind].answerable for k in keys)


def test_akteursbefragung_asks_sector_and_partners(catalogue):
    template = next(t for t in catalogue.templates if t.key == "akteursbefragung_netzwerk")
    keys = {key for _title, page_keys in template.pages for key in page_keys}
    assert {"akteur.name", "akteur.sektor", "kooperation.partner"} <= keys


# --- broken examples ---------------------------------------------------------------------------

BROKEN_CASES = [
    # directory, file, key, exact message
    ("unknown_kind", "x.toml", "x.frage",
     "unbekannte Art (kind) 'slider'; erlaubt: " + ", ".join(sorted(KINDS))),
    ("duplicate_key", "x.toml", "x.frage", "key kommt doppelt vor (auch in x.toml)"),
    ("duplicate_module", "b.toml", "x", "Modul-key kommt doppelt vor (auch in a.toml)"),
    ("missing_options", "x.toml", "x.frage", "hat keine Antwortoptionen (options)"),
    ("flag_not_boolean", "m.toml", "m.frage", "required muss true oder false sein (nicht 'nein')"),
    ("missing_prompt", "x.toml", "x.frage", "prompt (Fragetext) fehlt"),
    ("matrix_without_items", "x.toml", "x.bewertung", "hat keine Zeilen (items)"),
    ("unknown_condition_target", "x.toml", "x.frage",
     "condition verweist auf die unbekannte Frage 'x.gibt_es_nicht'"),
    ("condition_bad_value", "x.toml", "x.folge", "condition: 'vielleicht' ist kein Optionscode von x.frage"),
    ("condition_later_question", "x.toml", "x.folge", "condition muss auf eine frühere Frage verweisen"),
    ("bad_option_code", "x.toml", "x.frage", "Optionscode 'Sehr gut' ist ungültig (nur a-z, 0-9, _)"),
    ("reserved_other_code", "x.toml", "x.frage",
     "options: der Code 'other' ist für „Sonstiges“ reserviert (other = true)"),
    ("reserved_local_code", "x.toml", "x.frage",
     "options: Codes, die mit 'lokal_' beginnen, sind für Antworten reserviert, die eine Befragung ergänzt"),
    ("unknown_list", "x.toml", "x.frage", "options verweist auf die unbekannte Liste 'farben'"),
    ("unknown_attribute", "x.toml", "x.frage", "unbekannte Angaben: optionen"),
    ("wrong_key_prefix", "x.toml", "netzwerk.frage", "key muss mit 'x.' beginnen"),
    ("list_without_max_entries", "x.toml", "x.frage", "braucht max_entries (mindestens 1)"),
    ("max_entries_not_a_number", "x.toml", "x.frage", "max_entries muss eine ganze Zahl ab 1 sein"),
    ("number_bad_bounds", "x.toml", "x.umgedreht", "min darf nicht größer als max sein"),
    ("number_bad_bounds", "x.toml", "x.text", "min muss eine Zahl sein"),
    ("nested_group", "x.toml", "x.gruppe", "Feld 'x.gruppe.innen': Gruppen können nicht verschachtelt werden"),
    ("group_duplicate_field", "x.toml", "x.gruppe", "Feld 'x.gruppe.name' kommt doppelt vor"),
    ("roster_reserved_field", "x.toml", "x.partner",
     "Feld 'x.partner.name': der Name 'name' ist für den Partner selbst reserviert"),
    ("template_unknown_key", "templates/vorlage.toml", "x.fehlt", "unbekannte Frage in der Vorlage"),
]


def problems_of(directory: str):
    with pytest.raises(CatalogueError) as raised:
        load_catalogue(BROKEN / directory)
    return raised.value.problems


@pytest.mark.parametrize("directory, file, key, message", BROKEN_CASES, ids=[f"{c[0]}:{c[2]}" for c in BROKEN_CASES])
def test_broken_example_is_reported(directory, file, key, message):
    problems = problems_of(directory)
    assert (file, key, message) in [(p.file, p.key, p.message) for p in problems], problems


def test_every_broken_directory_has_a_case():
    directories = {p.name for p in BROKEN.iterdir() if p.is_dir()} - {"__pycache__"}
    assert directories == {case[0] for case in BROKEN_CASES} | {"invalid_toml"}


def test_invalid_toml_names_the_file():
    problems = problems_of("invalid_toml")
    assert any(p.file == "x.toml" and p.key == "" and p.message.startswith("kein gültiges TOML:") for p in problems)


def test_problem_text_names_file_and_key():
    problems = problems_of("duplicate_key")
    assert str(problems[0]) == "x.toml: x.frage: key kommt doppelt vor (auch in x.toml)"


def test_loader_collects_every_problem_not_just_the_first():
    problems = problems_of("number_bad_bounds")
    assert {p.key for p in problems} == {"x.umgedreht", "x.text"}
