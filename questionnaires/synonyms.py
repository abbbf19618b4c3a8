"""Everyday words for catalogue list options (`data/synonyms.toml`), e.g. "Jugendhilfe" → Kinder- und Jugendhilfe.

The words are data beside `lists.toml`, not code: `load_synonyms` reads them, checks that every code
exists in its list and that no word means two options, and returns a lookup by normalised word.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from pathlib import Path

from .model import Option

SYNONYMS_FILE = "synonyms.toml"


def normalised_word(text: str) -> str:
    """Case, accents, ß, hyphens, brackets and spacing do not matter: "Kita-Träger" = "kita traeger"."""
    text = text.casefold().replace("ß", "ss").replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def load_synonyms(directory: Path | str, lists: dict[str, tuple[Option, ...]]) -> dict[str, dict[str, str]]:
    """List name → normalised word → option code; raises ValueError naming each bad entry."""
    path = Path(directory) / SYNONYMS_FILE
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        raw = tomllib.load(handle).get("synonyms", {})
    problems: list[str] = []
    result: dict[str, dict[str, str]] = {}
    for list_name, entries in raw.items():
        if list_name not in lists:
            problems.append(f"{SYNONYMS_FILE}: die Liste „{list_name}“ gibt es in lists.toml nicht")
            continue
        codes = {o.code for o in lists[list_name]}
        lookup = result.setdefault(list_name, {})
        for code, words in entries.items():
            if code not in codes:
                problems.append(f"{SYNONYMS_FILE}: „{code}“ ist keine Option der Liste „{list_name}“")
                continue
            for word in words:
                key = normalised_word(str(word))
                if lookup.get(key, code) != code:
                    problems.append(f"{SYNONYMS_FILE}: „{word}“ steht in „{list_name}“ bei {lookup[key]} und {code}")
                lookup[key] = code
    if problems:
        raise ValueError("; ".join(problems))
    return result
