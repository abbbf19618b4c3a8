"""Reading delivery-status notifications (RFC 3464 multipart/report): pure parsing, no app, no database.

A DSN has three parts: a human-readable text, a `message/delivery-status` part (one block of
per-message fields, then one block per recipient: Final-Recipient, Action, Status,
Diagnostic-Code) and the returned message or just its headers (`message/rfc822` or
`text/rfc822-headers`), which carries the Message-ID we gave the mail. Postfix, Exim,
Exchange/M365 and Gmail all send this shape; anything else is `Notification.is_dsn = False` and
goes to a person as "unklar".
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass, field
from email.message import Message
from email.parser import HeaderParser

ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
MESSAGE_ID = re.compile(r"<[^<>\s]+@[^<>\s]+>")


@dataclass(frozen=True)
class RecipientStatus:
    """One per-recipient block of the delivery-status part."""

    final_recipient: str  # the bare address, lower case
    original_recipient: str
    action: str  # failed | delayed | delivered | relayed | expanded (lower case)
    status: str  # "5.1.1"
    diagnostic: str  # the remote server's words, unfolded

    @property
    def failed(self) -> bool:
        """A final verdict: the relay gave up on this recipient."""
        return self.action == "failed" or (not self.action and self.status.startswith("5"))

    @property
    def delayed(self) -> bool:
        return self.action == "delayed" or (not self.action and self.status.startswith("4"))


@dataclass(frozen=True)
class Notification:
    """What a bounce message says, as far as it can be read."""

    message_id: str  # the bounce's own Message-ID
    subject: str
    sender: str
    is_dsn: bool
    original_message_id: str  # the Message-ID of the returned mail ("" if none)
    original_recipients: tuple[str, ...] = ()  # To: of the returned mail
    recipients: tuple[RecipientStatus, ...] = ()
    addresses: tuple[str, ...] = field(default=())  # every address in the text (to find a candidate)


def normalise_message_id(value: str) -> str:
    """`<abc@host>` however it was written (spaces, folded lines, missing brackets)."""
    value = "".join((value or "").split())
    found = MESSAGE_ID.search(value)
    if found:
        return found.group(0)
    return f"<{value}>" if value and "@" in value else ""


def _address(value: str) -> str:
    """The address of an `rfc822; someone@example.org` field, lower case."""
    value = (value or "").strip()
    if ";" in value:
        value = value.split(";", 1)[1]
    found = ADDRESS.search(value)
    return found.group(0).lower() if found else ""


def _unfold(value: str | None) -> str:
    return " ".join(str(value or "").split())


def _decoded(part: Message) -> bytes:
    """The body of a non-multipart part with its transfer encoding undone (b"" when it has none)."""
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _blocks(part: Message) -> list[Message]:
    """The field blocks of a message/delivery-status part (the email package parses them as messages)."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return [p for p in payload if isinstance(p, Message)]
    text = _decoded(part)  # some senders encode the part; parse it by hand
    blocks = re.split(r"\r?\n\s*\r?\n", text.decode("utf-8", errors="replace").strip())
    return [HeaderParser().parsestr(b + "\n") for b in blocks if b.strip()]


def _returned_headers(message: Message) -> Message | None:
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/rfc822":
            payload = part.get_payload()
            if isinstance(payload, list) and payload and isinstance(payload[0], Message):
                return payload[0]
        if kind == "text/rfc822-headers":
            raw = _decoded(part)
            return HeaderParser().parsestr(raw.decode("utf-8", errors="replace"))
    return None


def _text_of(message: Message) -> str:
    chunks = []
    for part in message.walk():
        if part.get_content_maintype() == "text" or part.get_content_type() == "message/delivery-status":
            raw = _decoded(part)
            if raw:
                chunks.append(raw.decode(part.get_content_charset() or "utf-8", errors="replace"))
    return "\n".join(chunks)


def readable(raw: bytes | str) -> str:
    """The message for a person: its main headers, then every text part decoded (no transfer encoding)."""
    data = raw.encode("utf-8", errors="replace") if isinstance(raw, str) else raw
    message = email.message_from_bytes(data, policy=email.policy.default)
    head = "\n".join(f"{name}: {message[name]}" for name in ("From", "To", "Date", "Subject") if message[name])
    parts = []
    for part in message.walk():
        if part.get_content_type() in ("text/plain", "message/delivery-status", "text/rfc822-headers"):
            payload = _decoded(part)
            if payload:
                parts.append(payload.decode(part.get_content_charset() or "utf-8", errors="replace").strip())
    return head + "\n\n" + "\n\n".join(parts)


def parse(raw: bytes) -> Notification:
    """Read one bounce message; never raises on odd input (odd input is simply not a DSN)."""
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    own_id = normalise_message_id(str(message.get("Message-ID", "")))
    subject = _unfold(str(email.header.make_header(email.header.decode_header(str(message.get("Subject", ""))))))
    sender = _unfold(message.get("From", ""))
    addresses = tuple(dict.fromkeys(a.lower() for a in ADDRESS.findall(_text_of(message))))
    status_part = next((p for p in message.walk() if p.get_content_type() in
                        ("message/delivery-status", "message/global-delivery-status")), None)
    returned = _returned_headers(message)
    original_id = normalise_message_id(str(returned.get("Message-ID", ""))) if returned is not None else ""
    original_to = tuple(a.lower() for a in ADDRESS.findall(str(returned.get("To", "")))) if returned is not None else ()
    if status_part is None:
        return Notification(own_id, subject, sender, False, original_id, original_to, (), addresses)
    recipients = []
    for block in _blocks(status_part)[1:] or _blocks(status_part):
        final = _address(block.get("Final-Recipient", "")) or _address(block.get("Original-Recipient", ""))
        if not final:
            continue
        status = (re.search(r"\d\.\d{1,3}\.\d{1,3}", str(block.get("Status", ""))) or [""])[0]
        recipients.append(RecipientStatus(
            final_recipient=final,
            original_recipient=_address(block.get("Original-Recipient", "")),
            action=_unfold(block.get("Action", "")).lower(),
            status=status,
            diagnostic=_diagnostic(_unfold(block.get("Diagnostic-Code", ""))),
        ))
    return Notification(own_id, subject, sender, bool(recipients), original_id, original_to, tuple(recipients),
                        addresses)


def _diagnostic(value: str) -> str:
    """`smtp; 550 5.1.1 <x>: User unknown` → `550 5.1.1 <x>: User unknown`."""
    kind, sep, rest = value.partition(";")
    if sep and kind.strip().lower() in ("smtp", "x-postfix", "x-unix", "x-local"):
        value = rest.strip()
    # Multi-line replies repeat their code on every line ("550-5.1.1 … 550-5.1.1 …"): keep it once.
    first = re.match(r"(\d{3})[- ](\d\.\d{1,3}\.\d{1,3})\s+", value)
    if first:
        code, enhanced = first.groups()
        rest = re.sub(rf"\s*\b{code}[- ]{re.escape(enhanced)}\s+", " ", value[first.end():])
        value = f"{code} {enhanced} {' '.join(rest.split())}"
    return value
