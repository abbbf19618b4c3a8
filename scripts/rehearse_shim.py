"""Stand-ins for the machine's tools while scripts/rehearse-deploy.sh runs the guide's blocks.

    rehearse_shim.py TOOL ARGS...     (the rehearsal puts `TOOL` scripts calling this on PATH)

CI has no systemd as PID 1, no `lueckenlos` user and no ports 80/443 to give, so:
  systemctl   starts a unit's ExecStart from the (moved) unit file with its WorkingDirectory,
              Environment= lines, drop-ins (<unit>.d/*.conf) and UMask, in a clean environment;
              Type=notify waits for gunicorn's READY=1 on a NOTIFY_SOCKET, reload sends HUP,
              stop sends TERM, a oneshot runs in the foreground (a failure starts OnFailure=);
              nginx is run with the enabled sites inside a minimal nginx.conf, on loopback ports.
  journalctl  shows the end of a unit's log (`-u UNIT -n N`).
  sudo        runs the command as the rehearsal's user (drops -u/-E/-H; VAR=value prefixes kept).
  sudoedit    fills in the environment file as an operator would (values from REHEARSE_ENV_VALUES).
  apt-get     checks that each package named exists (apt-cache), installs nothing.
  adduser, chown, install -o/-g   as the rehearsal's user (no system user is created).
  git clone   clones the rehearsal's source repository instead of the guide's example address.
  nginx       `nginx -t` / `-s reload` on the assembled scratch configuration.
Every other word of the guide's blocks runs unchanged. Standard library only.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from guide_steps import scratch

ROOT = Path(os.environ.get("REHEARSE_ROOT", "/nonexistent"))
SHIMS = os.environ.get("REHEARSE_SHIMS", "")
APP_PORT = int(os.environ.get("REHEARSE_APP_PORT", "0") or 0)
UNITS = ROOT / "etc" / "systemd" / "system"
RUN = ROOT / "run"
LOGS = ROOT / "log"
NGINX = ROOT / "nginx"
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
NO_OPS = {"systemd-journald.service"}  # restarted by the guide; nothing to rehearse


def say(message: str) -> None:
    print(f"  [rehearsal] {message}", file=sys.stderr, flush=True)


def real(tool: str) -> str:
    """The machine's own `tool`, not this stand-in."""
    path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep) if p != SHIMS)
    found = shutil.which(tool, path=path)
    if not found:
        sys.exit(f"rehearsal: {tool} is not installed")
    return found


def moved(text: str) -> str:
    return scratch(text, str(ROOT), APP_PORT)


# --- systemd ---------------------------------------------------------------------------------


def unit_name(name: str) -> str:
    return name if "." in name else f"{name}.service"


def read_unit(name: str) -> dict[str, list[str]]:
    """Key -> values of a unit file (moved paths), drop-ins applied; template instances resolved."""
    path = UNITS / name
    instance = ""
    if not path.exists() and "@" in name:
        prefix, rest = name.split("@", 1)
        instance, suffix = rest.rsplit(".", 1)
        path = UNITS / f"{prefix}@.{suffix}"
    if not path.exists():
        sys.exit(f"Unit {name} not found (looked for {path}).")
    settings: dict[str, list[str]] = {}
    for source in [path, *sorted((UNITS / f"{name}.d").glob("*.conf"))]:
        for line in moved(source.read_text(encoding="utf-8")).splitlines():
            line = line.strip()
            if not line or line.startswith(("#", ";", "[")) or "=" not in line:
                continue
            key, value = line.split("=", 1)
            settings.setdefault(key.strip(), []).append(
                value.strip().replace("%i", instance).replace("%n", name))
    return settings


def unit_environment(settings: dict[str, list[str]]) -> dict[str, str]:
    env = {"PATH": SYSTEM_PATH, "LANG": "C.UTF-8", "HOME": str(ROOT / "srv" / "lueckenlos")}
    for line in settings.get("Environment", []):
        for assignment in shlex.split(line):
            key, _, value = assignment.partition("=")
            env[key] = value
    return env


def command(line: str) -> list[str]:
    return shlex.split(line.lstrip("-@:+!"))


def pid_of(name: str) -> int | None:
    pidfile = RUN / f"{name}.pid"
    if not pidfile.exists():
        return None
    pid = int(pidfile.read_text())
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        pidfile.unlink()
        return None
    return pid


def start(name: str) -> None:
    if name in NO_OPS:
        say(f"{name}: not rehearsed")
        return
    if name == "nginx.service":
        nginx_run([])
        return
    if name.endswith(".timer"):
        settings = read_unit(name)
        service = settings.get("Unit", [name.replace(".timer", ".service")])[0]
        read_unit(service)
        say(f"{name}: timers are not rehearsed (systemd-analyze verify checks it); its {service} exists")
        return
    if pid_of(name):
        return
    settings = read_unit(name)
    kind = settings.get("Type", ["simple"])[-1]
    env = unit_environment(settings)
    cwd = settings.get("WorkingDirectory", ["/"])[-1]
    umask = int(settings.get("UMask", ["0022"])[-1], 8)
    for state in ("StateDirectory",):
        for folder in settings.get(state, []):
            path = ROOT / "var" / "lib" / folder
            path.mkdir(parents=True, exist_ok=True)
            path.chmod(int(settings.get("StateDirectoryMode", ["0755"])[-1], 8))
    LOGS.mkdir(parents=True, exist_ok=True)
    RUN.mkdir(parents=True, exist_ok=True)
    log = (LOGS / f"{name}.log").open("a")
    if settings.get("User"):
        say(f"{name}: User={settings['User'][-1]} not switched to (runs as {os.getuid()})")

    def prepare() -> None:
        os.umask(umask)

    if kind == "oneshot":
        for line in settings.get("ExecStart", []):
            done = subprocess.run(command(line), cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                  preexec_fn=prepare, timeout=600)
            if done.returncode != 0:
                for failure in settings.get("OnFailure", []):
                    say(f"{name} failed: starting {failure}")
                    start(unit_name(failure))
                sys.exit(f"Job for {name} failed (exit {done.returncode}); see journalctl -u {name}")
        return
    notify = None
    if kind == "notify":
        notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        address = RUN / f"{name}.notify"
        address.unlink(missing_ok=True)
        notify.bind(str(address))
        env["NOTIFY_SOCKET"] = str(address)
    process = subprocess.Popen(command(settings["ExecStart"][-1]), cwd=cwd, env=env, stdout=log,
                               stderr=subprocess.STDOUT, preexec_fn=prepare, start_new_session=True)
    (RUN / f"{name}.pid").write_text(str(process.pid))
    if notify is not None:
        notify.settimeout(1.0)
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                sys.exit(f"{name} exited ({process.returncode}) before it was ready; see journalctl -u {name}")
            if time.monotonic() > deadline:
                sys.exit(f"{name} did not report READY=1 within 120 s")
            try:
                if b"READY=1" in notify.recv(4096):
                    break
            except TimeoutError:
                continue
        notify.close()
    say(f"{name} started (pid {process.pid})")


def stop(name: str) -> None:
    if name in NO_OPS:
        return
    if name == "nginx.service":
        nginx_run(["-s", "quit"], quiet_missing=True)
        return
    pid = pid_of(name)
    if pid is None:
        return
    timeout = float(read_unit(name).get("TimeoutStopSec", ["30"])[-1].rstrip("s"))
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        _reap(pid)
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)  # what is left of the unit's processes (KillMode=mixed)
    (RUN / f"{name}.pid").unlink(missing_ok=True)
    say(f"{name} stopped")


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def reload(name: str) -> None:
    if name == "nginx.service":
        nginx_run(["-s", "reload"])
        return
    pid = pid_of(name)
    if pid is None:
        sys.exit(f"{name} is not running; cannot reload")
    if not read_unit(name).get("ExecReload"):
        sys.exit(f"{name} has no ExecReload")
    os.kill(pid, signal.SIGHUP)  # ExecReload=/bin/kill -s HUP $MAINPID
    say(f"{name} reloaded (HUP to {pid})")


def systemctl(args: list[str]) -> None:
    words = [a for a in args if not a.startswith("-")]
    if not words:
        sys.exit("systemctl: no command")
    verb, names = words[0], [unit_name(n) for n in words[1:]]
    if verb == "daemon-reload":
        return
    if verb == "enable":
        for name in names:
            read_unit(name) if name not in NO_OPS else None
            if "--now" in args:
                start(name)
        return
    actions = {"start": [start], "stop": [stop], "restart": [stop, start], "reload": [reload]}
    if verb not in actions:
        say(f"systemctl {verb}: not rehearsed")
        return
    for name in names:
        for action in actions[verb]:
            action(name)


def journalctl(args: list[str]) -> None:
    unit, lines = None, 10
    for i, arg in enumerate(args):
        if arg == "-u":
            unit = unit_name(args[i + 1])
        if arg == "-n":
            lines = int(args[i + 1])
    if "-f" in args:
        sys.exit("journalctl -f would not end; not rehearsed")
    log = LOGS / f"{unit}.log"
    text = log.read_text(errors="replace").splitlines() if log.exists() else []
    print("\n".join(text[-lines:]))


# --- nginx -----------------------------------------------------------------------------------


def nginx_config() -> Path:
    """nginx.conf for the scratch run: the enabled sites, moved, listening on loopback ports."""
    http, https = os.environ["REHEARSE_HTTP_PORT"], os.environ["REHEARSE_HTTPS_PORT"]
    sites = NGINX / "sites"
    shutil.rmtree(sites, ignore_errors=True)
    sites.mkdir(parents=True)
    for site in sorted((ROOT / "etc" / "nginx" / "sites-enabled").glob("*")):
        text = moved(site.resolve().read_text(encoding="utf-8"))
        text = re.sub(r"^\s*listen \[::\]:\d+[^;]*;\n", "", text, flags=re.MULTILINE)
        text = re.sub(r"listen 80;", f"listen 127.0.0.1:{http};", text)
        text = re.sub(r"listen 443 ", f"listen 127.0.0.1:{https} ", text)
        (sites / f"{site.name}.conf").write_text(text, encoding="utf-8")
    (ROOT / "var" / "log" / "nginx").mkdir(parents=True, exist_ok=True)
    conf = NGINX / "nginx.conf"
    conf.write_text(f"""pid {NGINX}/nginx.pid;
error_log {NGINX}/error.log;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    gzip on;
    access_log {NGINX}/access.log;
    client_body_temp_path {NGINX}/body;
    proxy_temp_path {NGINX}/proxy;
    fastcgi_temp_path {NGINX}/fastcgi;
    uwsgi_temp_path {NGINX}/uwsgi;
    scgi_temp_path {NGINX}/scgi;
    include {sites}/*.conf;
}}
""")
    return conf


def nginx_running() -> bool:
    pidfile = NGINX / "nginx.pid"
    try:
        os.kill(int(pidfile.read_text().strip()), 0)
    except (OSError, ValueError):
        return False
    return True


def nginx_run(args: list[str], quiet_missing: bool = False) -> None:
    if quiet_missing and not nginx_running():
        return
    conf = nginx_config()
    if args[:2] == ["-s", "reload"] and not nginx_running():
        args = []  # the first "reload" starts it (Debian's nginx runs from the package's install)
    done = subprocess.run([real("nginx"), "-p", str(NGINX), "-c", str(conf), *args])
    if done.returncode != 0:
        sys.exit(done.returncode)


def nginx(args: list[str]) -> None:
    if "-t" in args:
        conf = nginx_config()
        sys.exit(subprocess.run([real("nginx"), "-t", "-q", "-p", str(NGINX), "-c", str(conf)]).returncode)
    nginx_run(args)


# --- the rest --------------------------------------------------------------------------------


def sudo(args: list[str]) -> None:
    i = 0
    while i < len(args) and args[i].startswith("-"):
        if args[i] in ("-u", "-g"):
            i += 1
        elif args[i] == "--":
            i += 1
            break
        i += 1
    env = dict(os.environ)
    while i < len(args) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", args[i]):
        key, _, value = args[i].partition("=")
        env[key] = value
        i += 1
    if i >= len(args):
        sys.exit("sudo: no command")
    os.execvpe(args[i], args[i:], env)


def sudoedit(args: list[str]) -> None:
    """The operator's edit of /etc/lueckenlos/env: each KEY from REHEARSE_ENV_VALUES (JSON) set or removed."""
    from importlib.util import module_from_spec, spec_from_file_location

    spec = spec_from_file_location("envfile", Path(__file__).resolve().parent.parent / "survey" / "envfile.py")
    assert spec is not None and spec.loader is not None
    envfile = module_from_spec(spec)
    spec.loader.exec_module(envfile)
    values: dict[str, str | None] = json.loads(os.environ["REHEARSE_ENV_VALUES"])
    path = Path(args[-1])
    lines, seen = [], set()
    for line in moved(path.read_text(encoding="utf-8")).splitlines():  # the example's paths, moved
        key = line.split("=", 1)[0] if re.match(r"[A-Z_]+=", line) else None
        if key in values:
            seen.add(key)
            if values[key] is None:
                continue
            line = f"{key}={envfile.quote(values[key])}"
        lines.append(line)
    lines += [f"{key}={envfile.quote(value)}" for key, value in values.items() if key not in seen and value is not None]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    say(f"sudoedit {path}: set {', '.join(k for k, v in values.items() if v is not None)}")


def apt_get(args: list[str]) -> None:
    if not args or args[0] != "install":
        return
    missing = [pkg for pkg in args[1:] if not pkg.startswith("-")
               and subprocess.run([real("apt-cache"), "show", pkg], capture_output=True).returncode != 0]
    if missing:
        sys.exit(f"apt-get: no such Debian package: {' '.join(missing)}")
    say(f"apt-get install: the packages exist ({' '.join(a for a in args[1:] if not a.startswith('-'))}); "
        "the rehearsal uses what is installed")


def adduser(args: list[str]) -> None:
    if "--home" in args:
        home = Path(args[args.index("--home") + 1])
        home.mkdir(parents=True, exist_ok=True)
        home.chmod(0o755)  # adduser's SYS_DIR_MODE: nginx (www-data) reads /srv/lueckenlos/app/static
    say(f"adduser {args[-1]}: no system user in the rehearsal")


def install(args: list[str]) -> None:
    kept, i = [], 0
    while i < len(args):
        if args[i] in ("-o", "-g"):
            i += 2
            continue
        kept.append(args[i])
        i += 1
    os.execv(real("install"), ["install", *kept])


def git(args: list[str]) -> None:
    if args and args[0] == "clone":
        target = [a for a in args[1:] if not a.startswith("-")][-1]
        os.execv(real("git"), ["git", "clone", "--quiet", os.environ["REHEARSE_SOURCE"], target])
    os.execv(real("git"), ["git", *args])


def main() -> None:
    tool, args = sys.argv[1], sys.argv[2:]
    handlers = {"systemctl": systemctl, "journalctl": journalctl, "sudo": sudo, "sudoedit": sudoedit,
                "apt-get": apt_get, "adduser": adduser, "install": install, "git": git, "nginx": nginx,
                "chown": lambda a: say(f"chown {' '.join(a)}: no system user in the rehearsal")}
    handlers[tool](args)


if __name__ == "__main__":
    main()
