"""The German forms of a Kommune's name ("die Stadt Wuppertal", "vom Kreis Düren") from type word and gender.

German sentences need the name with its article, inflected by case and merged with prepositions:
"Eine Befragung der Stadt Wuppertal", "Die Stadt Wuppertal lädt … ein", "vom Kreis Düren".
The forms are generated from the type word (Stadt, Kreis, Gemeinde …) and its grammatical gender;
each can be overridden by the admin where the rule does not fit (e.g. "Landeshauptstadt Düsseldorf").
Pure functions, no Flask and no database: the model and the settings page both call `name_forms`.
"""

from __future__ import annotations

from dataclasses import dataclass

# Type words a Kommune commonly has, with their gender (f/m/n) and, for m/n, the genitive ending.
TYPE_WORDS: dict[str, tuple[str, str]] = {
    "Stadt": ("f", ""),
    "Kreis": ("m", "es"),
    "Gemeinde": ("f", ""),
    "Städteregion": ("f", ""),
    "Stadtbezirk": ("m", "s"),
    "Landkreis": ("m", "es"),
    "Rhein-Kreis": ("m", "es"),
    "Hansestadt": ("f", ""),
    "Landeshauptstadt": ("f", ""),
    "Bundesstadt": ("f", ""),
    "Samtgemeinde": ("f", ""),
    "Verbandsgemeinde": ("f", ""),
    "Markt": ("m", "es"),
    "Amt": ("n", "es"),
    "Bezirk": ("m", "s"),
    "Regionalverband": ("m", "es"),
}

# "" = the usual gender of the type word (see TYPE_WORDS).
GENDERS = {"": "passend zur Art (automatisch)", "f": "die (die Stadt)", "m": "der (der Kreis)", "n": "das (das Amt)"}

# The forms a sentence can need, with the label the settings page shows and an example sentence.
FORM_LABELS = {
    "nominative": "Wer-Fall („… lädt Sie ein“)",
    "initial": "Am Satzanfang",
    "genitive": "Wessen-Fall („Eine Befragung …“)",
    "accusative": "Wen-Fall („… an …“)",
    "von": "Mit „von“",
    "bei": "Mit „bei“",
}

_ARTICLES = {
    #      nominative, genitive, dative, accusative, von+dative, bei+dative
    "f": ("die", "der", "der", "die", "von der", "bei der"),
    "m": ("der", "des", "dem", "den", "vom", "beim"),
    "n": ("das", "des", "dem", "das", "vom", "beim"),
}


@dataclass(frozen=True)
class NameForms:
    """Every form of the name a German sentence needs; `plain` is the name without article."""

    plain: str
    nominative: str
    initial: str
    genitive: str
    dative: str
    accusative: str
    von: str
    bei: str

    def as_dict(self) -> dict[str, str]:
        return {key: getattr(self, key) for key in ("nominative", "initial", "genitive", "accusative", "von", "bei")}


def gender_of(type_word: str) -> str:
    """The usual gender of a type word ("f" if unknown: most German Kommune words are feminine)."""
    return TYPE_WORDS.get(type_word.strip(), ("f", ""))[0]


def type_word_of(name: str, type_word: str) -> str:
    """The stated type word, else the name's first word if it is one ("Kreis Düren"), else "Stadt"."""
    if type_word.strip():
        return " ".join(type_word.split())
    first = name.split()[0] if name.split() else ""
    return first if first in TYPE_WORDS else "Stadt"


def full_name(name: str, type_word: str) -> str:
    """The official designation: "Stadt Wuppertal" from ("Wuppertal", "Stadt") or ("Stadt Wuppertal", "Stadt")."""
    name, type_word = " ".join(name.split()), " ".join(type_word.split())
    if not type_word or name == type_word or name.startswith(type_word + " "):
        return name
    return f"{type_word} {name}"


def _genitive(designation: str, type_word: str, gender: str) -> str:
    """The designation in the genitive: only the type word (first word) is inflected ("des Kreises Düren")."""
    if gender == "f" or not type_word or not designation.startswith(type_word):
        return designation
    ending = TYPE_WORDS.get(type_word, (gender, "es" if type_word.endswith(("s", "z", "x", "ß")) else "s"))[1]
    return type_word + ending + designation[len(type_word):]


def name_forms(name: str, type_word: str, gender: str, overrides: dict[str, str] | None = None) -> NameForms:
    """All forms of the Kommune's name; a non-empty entry in `overrides` replaces the generated form."""
    type_word = type_word_of(name, type_word)
    designation = full_name(name, type_word)
    gender = gender if gender in _ARTICLES else gender_of(type_word)
    nom, gen, dat, acc, von, bei = _ARTICLES[gender]
    generated = {
        "nominative": f"{nom} {designation}",
        "initial": f"{nom.capitalize()} {designation}",
        "genitive": f"{gen} {_genitive(designation, type_word.strip(), gender)}",
        "accusative": f"{acc} {designation}",
        "von": f"{von} {designation}",
        "bei": f"{bei} {designation}",
    }
    for key, value in (overrides or {}).items():
        if key in generated and value and value.strip():
            generated[key] = " ".join(value.split())
    if not (overrides or {}).get("initial", "").strip():
        nominative = generated["nominative"]
        generated["initial"] = nominative[:1].upper() + nominative[1:]
    return NameForms(plain=designation, dative=f"{dat} {designation}", **generated)


def preview_sentences(forms: NameForms) -> list[str]:
    """Sentences as respondents read them, for the settings page."""
    return [
        f"{forms.initial} lädt Sie zur Befragung „Netzwerke 2026“ ein.",
        f"Eine Befragung {forms.genitive}.",
        f"Ihre Antworten sind {forms.bei} angekommen.",
        f"Sie haben den Link zur Befragung {forms.von} erneut angefordert.",
        f"Dann schicken Sie Ihre Antworten an {forms.accusative}.",
        f"Wer Ihre Antworten sieht: die Mitarbeitenden {forms.genitive}.",
    ]


# The spatial word (singular, plural) used in labels and messages.
SPATIAL_WORDS: dict[str, str] = {
    "Stadtteil": "Stadtteile",
    "Sozialraum": "Sozialräume",
    "Gemeinde": "Gemeinden",
    "Ortsteil": "Ortsteile",
    "Stadtbezirk": "Stadtbezirke",
    "Planungsraum": "Planungsräume",
    "Quartier": "Quartiere",
}


def spatial_plural(word: str) -> str:
    return SPATIAL_WORDS.get(word, word + "e")
