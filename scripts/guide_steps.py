"""The shell blocks of docs/deploy.md, the one source of the operator's commands.

    python3 scripts/guide_steps.py NAME [--root DIR --app-port N]   print step NAME (moved into DIR)
    python3 scripts/guide_steps.py --list                           the step names, in guide order

A block opened with ```` ```sh step=NAME ```` is run word by word by scripts/rehearse-deploy.sh;
```` ```sh manual ```` marks one the rehearsal cannot run (certbot, timers, IMAP). `scratch()` moves
the absolute paths and ports of a text (a block, a unit file, the nginx site) below the
rehearsal's scratch folder; the systemd and nginx stand-ins (scripts/rehearse_shim.py) use it too.
Standard library only.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "deploy.md"
_FENCE = re.compile(r"^(?P<indent> *)```(?P<info>[^`\n]*)\n(?P<body>.*?)^(?P=indent)```[ \t]*$",
                    re.DOTALL | re.MULTILINE)
# Paths an operator's machine has and the rehearsal moves below its scratch folder.
MOVED = ("/srv/lueckenlos", "/etc/lueckenlos", "/var/lib/lueckenlos", "/var/backups/lueckenlos", "/etc/systemd",
         "/etc/nginx", "/usr/local/bin/lueckenlos-flask", "/usr/local/sbin/lueckenlos-alarm", "/var/www/letsencrypt",
         "/etc/letsencrypt", "/var/run/postgresql", "/var/log/nginx")
_MOVED = re.compile(r"(?<![\w/.-])(" + "|".join(re.escape(path) for path in MOVED) + r")(?=[/\s\"'`;:)|]|$)",
                    re.MULTILINE)


@dataclass(frozen=True)
class Block:
    language: str
    name: str  # the step name; "" for a manual block
    manual: bool
    text: str
    line: int


def blocks(text: str | None = None) -> list[Block]:
    """Every fenced block of the guide, with its kind and name."""
    text = GUIDE.read_text(encoding="utf-8") if text is None else text
    found = []
    for match in _FENCE.finditer(text):
        words = match["info"].split()
        language = words[0] if words else ""
        name = next((word.split("=", 1)[1] for word in words[1:] if word.startswith("step=")), "")
        indent = len(match["indent"])
        body = "".join(line[indent:] + "\n" for line in match["body"].splitlines())
        found.append(Block(language, name, "manual" in words[1:], body, text.count("\n", 0, match.start()) + 1))
    return found


def steps(text: str | None = None) -> dict[str, str]:
    """Step name -> its shell text, in guide order."""
    return {block.name: block.text for block in blocks(text) if block.name}


def scratch(text: str, root: str, app_port: int | None = None) -> str:
    """`text` with the moved paths below `root` and gunicorn's port 8000 replaced."""
    text = _MOVED.sub(lambda match: root.rstrip("/") + match.group(1), text)
    if app_port:
        text = text.replace("127.0.0.1:8000", f"127.0.0.1:{app_port}")
    return text


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("name", nargs="?")
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--root")
    parser.add_argument("--app-port", type=int)
    args = parser.parse_args()
    known = steps()
    if args.list:
        print("\n".join(known))
        return 0
    if args.name not in known:
        print(f"docs/deploy.md has no block `sh step={args.name}` (steps: {', '.join(known)})", file=sys.stderr)
        return 1
    text = known[args.name]
    sys.stdout.write(scratch(text, args.root, args.app_port) if args.root else text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
