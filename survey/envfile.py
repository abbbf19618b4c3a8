"""The environment file (/etc/lueckenlos/env): the one parser of its `KEY="value"` lines.

Every reader of the file goes through `load`: the app (`create_app` reads the file named in
`LUECKENLOS_ENV_FILE`), gunicorn's config (`gunicorn.conf.py`, by file path, so the master never
imports the app) and the operator's `lueckenlos-flask` wrapper (which only sets that variable).
systemd and `sh` never parse it, so services and manual commands see the same values.

The grammar is the part on which `sh` (`set -a; . file`) and systemd's `EnvironmentFile=` agree,
so the file stays readable by both if an operator sources it anyway (`scripts/verify-deploy.sh`
checks the example with `sh`); a line outside it is refused with its number instead of being read
differently by somebody:

    # comment                     blank lines too
    KEY=plain                     only letters, digits and  _ . / : @ % + , = -
    KEY="any text"                inside: \\" \\\\ \\$ \\` stand for  " \\ $ ` ; a bare $ or ` is refused
    KEY='any text'                taken literally; cannot contain '

Values already in the process environment win over the file (a systemd drop-in's
`Environment=GUNICORN_BIND=…` on one server overrides the shared file). Standard library only, no
imports from the package: gunicorn's master loads this file by path.
"""

from __future__ import annotations

import os
import re
from collections.abc import MutableMapping
from pathlib import Path

VARIABLE = "LUECKENLOS_ENV_FILE"
_LINE = re.compile(r"(?P<key>[A-Za-z_][A-Za-z0-9_]*)=(?P<value>.*)")
_PLAIN = re.compile(r"[A-Za-z0-9_./:@%+,=-]*")
_ESCAPED = '"\\$`'


class EnvFileError(SystemExit):
    """A line the parser refuses; a SystemExit so `flask` and gunicorn stop with the message."""


def _unquote(value: str) -> str:
    """The value of one assignment's right-hand side; ValueError with a German reason."""
    if _PLAIN.fullmatch(value):
        return value
    if len(value) >= 2 and value[0] == value[-1] == "'":
        inner = value[1:-1]
        if "'" in inner:
            raise ValueError("in einfachen Anführungszeichen darf kein ' stehen")
        return inner
    if len(value) >= 2 and value[0] == value[-1] == '"':
        out, chars = [], iter(value[1:-1])
        for char in chars:
            if char == "\\":
                following = next(chars, "")
                if not following:
                    raise ValueError("ein \\ am Ende des Werts muss als \\\\ geschrieben werden")
                if following in _ESCAPED:
                    out.append(following)
                else:  # sh and systemd both keep a backslash before any other character
                    out.append("\\" + following)
            elif char == '"':
                raise ValueError('ein " im Wert muss als \\" geschrieben werden')
            elif char in "$`":
                raise ValueError(f"ein {char} im Wert muss als \\{char} geschrieben werden "
                                 "(sonst setzt sh dort etwas anderes ein)")
            else:
                out.append(char)
        return "".join(out)
    raise ValueError('Werte mit Leerzeichen oder Sonderzeichen gehören in doppelte Anführungszeichen: KEY="Wert"')


def parse(text: str, source: str = "env") -> dict[str, str]:
    """KEY -> value for every assignment in `text`; EnvFileError naming the first bad line."""
    values: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = _LINE.fullmatch(stripped)
        if match is None:
            raise EnvFileError(f"{source}, Zeile {number}: keine Zuweisung der Form KEY=\"Wert\" / "
                               f"line {number} is not KEY=\"value\"")
        try:
            values[match["key"]] = _unquote(match["value"])
        except ValueError as reason:
            raise EnvFileError(f"{source}, Zeile {number} ({match['key']}): {reason}. / "
                               f"line {number}: value not quoted as documented") from None
    return values


def quote(value: str) -> str:
    """The right-hand side that `parse`, sh and systemd all read back as `value`."""
    if _PLAIN.fullmatch(value):
        return value
    return '"' + "".join("\\" + char if char in _ESCAPED else char for char in value) + '"'


def load(path: str | os.PathLike[str] | None = None,
         environ: MutableMapping[str, str] | None = None) -> dict[str, str]:
    """Put the file's values into `environ` (default os.environ) where not already set.

    `path` defaults to $LUECKENLOS_ENV_FILE; without either nothing happens. Returns what was read.
    """
    environ = os.environ if environ is None else environ
    path = path or environ.get(VARIABLE)
    if not path:
        return {}
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise EnvFileError(f"Die Umgebungsdatei {path} ist nicht lesbar ({error.strerror}); "
                           f"{VARIABLE} prüfen. / cannot read the environment file.") from None
    values = parse(text, str(path))
    for key, value in values.items():
        environ.setdefault(key, value)
    return values


if __name__ == "__main__":  # `python -m survey.envfile FILE`: print what the app reads, NUL-separated
    import sys

    for key, value in sorted(parse(Path(sys.argv[1]).read_text(encoding="utf-8"), sys.argv[1]).items()):
        sys.stdout.write(f"{key}={value}\0")
