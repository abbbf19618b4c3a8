"""How a mail looks on the wire: MIME structure, transfer encoding and the headers every mail carries.

Every text part is quoted-printable UTF-8 with lines of at most 76 characters (RFC 2045), so no
line of a mail comes near SMTP's 998-byte limit (RFC 5321 4.5.3.1.6) however long a paragraph or
an HTML line of a confirmation is, a relay never has to rewrap a body (which breaks DKIM), and the
mail is 7bit: the envelope asks for `BODY=8BITMIME` only if a mail should ever still hold 8bit
bytes. Text and HTML are one `multipart/alternative` (no `multipart/mixed` wrapper: there are no
attachments). Headers are folded as `email.policy.SMTP` does (CRLF, at 76), except non-ASCII
Subject and address headers, which `_Policy` encodes itself (see there: the standard folder's bugs).

Every mail says it was sent by a program (`Auto-Submitted: auto-generated`, RFC 3834, and
Exchange's `X-Auto-Response-Suppress: OOF, AutoReply`), so out-of-office replies of whole Kitas
during closing times do not flood the planner's Reply-To, and `Content-Language: de`.

`WireMessage` is a Flask-Mail `Message` (its SMTP connection sends it) whose bytes come from
`compose`; the From address is given as (display name, address) and never re-parsed from a string,
so a Kommune's display name with a comma ("Kreis Düren, Jugendamt") stays one name.
"""

from __future__ import annotations

import datetime as dt
import email.policy
import email.utils
from email import quoprimime
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage, MIMEPart

from flask_mail import Message

_SPECIALS = set('()<>[]:;@\\,."')
_WORD_LIMIT = 75  # RFC 2047: an encoded word is at most 75 characters


def _encoded_words(run: str) -> list[str]:
    """`run` as RFC 2047 Q-encoded words of at most 75 characters, split where a space is (the space
    stays inside the earlier word: whitespace between two encoded words is not part of the text)."""
    def encode(text: str) -> str:
        return quoprimime.header_encode(text.encode("utf-8"), "utf-8")

    words, current = [], ""
    for word in run.split(" "):
        candidate = f"{current} {word}" if current else word
        if current and len(encode(candidate)) > _WORD_LIMIT:
            words.append(current + " ")
            current = word
        else:
            current = candidate
    words.append(current)
    out = []
    for text in words:
        while len(encode(text)) > _WORD_LIMIT:  # one very long word: cut between characters
            cut = len(text)
            while len(encode(text[:cut])) > _WORD_LIMIT:
                cut -= 1
            out.append(encode(text[:cut]))
            text = text[cut:]
        out.append(encode(text))
    return out


def phrase_tokens(name: str) -> list[str]:
    """A display name as header tokens: plain ASCII words as they are, each run of words with
    umlauts or punctuation as encoded words (so a comma never splits the name and no word is cut)."""
    tokens: list[str] = []
    run: list[str] = []
    for word in name.split():
        if word.isascii() and not _SPECIALS & set(word):
            if run:
                tokens += _encoded_words(" ".join(run))
                run = []
            tokens.append(word)
        else:
            run.append(word)
    if run:
        tokens += _encoded_words(" ".join(run))
    return tokens


def _fold_tokens(name: str, tokens: list[str], limit: int, linesep: str) -> str:
    """`Name: tokens` folded before a token wherever the line would exceed `limit`."""
    lines, line = [], f"{name}:"
    for token in tokens:
        if len(line) + 1 + len(token) > limit and line.strip() and not line.endswith(":"):
            lines.append(line)
            line = ""
        line += f" {token}"
    lines.append(line)
    return linesep.join(lines) + linesep


class _Policy(email.policy.EmailPolicy):
    """policy.SMTP, except for non-ASCII Subject and address headers. The standard library's folder
    (3.11) can drop the space between two encoded words of a subject and cut a word of a display
    name into two encoded words, which its own parser and some mail clients read with a space inside
    ("Übergäng e"). Those headers are encoded here: the subject by `email.header.Header` (RFC 2047
    correct), display names word by word (`phrase_tokens`)."""

    def _ours(self, name: str, value) -> str | None:
        text = str(value)
        if text.isascii():
            return None
        if name.lower() == "subject":
            encoded = Header(text, "utf-8", maxlinelen=self.max_line_length, header_name=name)
            return f"{name}: {encoded.encode(linesep=self.linesep)}{self.linesep}"
        addresses = getattr(value, "addresses", None)
        if not addresses or not all(a.addr_spec.isascii() for a in addresses):
            return None
        tokens: list[str] = []
        for position, address in enumerate(addresses):
            mailbox = [*phrase_tokens(address.display_name), f"<{address.addr_spec}>"] \
                if address.display_name else [address.addr_spec]
            if position < len(addresses) - 1:
                mailbox[-1] += ","
            tokens += mailbox
        return _fold_tokens(name, tokens, self.max_line_length or 78, self.linesep)

    def fold(self, name, value):
        return self._ours(name, value) or super().fold(name, value)

    def fold_binary(self, name, value):
        ours = self._ours(name, value)
        return ours.encode("ascii") if ours else super().fold_binary(name, value)


# policy.SMTP folds headers at 78 and ends lines with CRLF; 76 keeps quoted-printable within RFC 2045.
POLICY = _Policy(linesep="\r\n", max_line_length=76)

AUTOMATIC_HEADERS = {
    "Auto-Submitted": "auto-generated",
    "X-Auto-Response-Suppress": "OOF, AutoReply",
    "Content-Language": "de",
}


def address_header(name: str, address: str) -> Address:
    """One mailbox for a From/Reply-To header; the name is quoted or encoded as needed, never split."""
    local, _at, domain = address.rpartition("@")
    return Address(display_name=" ".join((name or "").split()), username=local, domain=domain)


def compose(*, subject: str, sender: tuple[str, str], recipients: list[str], text: str, html: str | None,
            reply_to: str | None, date: float, message_id: str,
            extra_headers: dict[str, str] | None = None) -> EmailMessage:
    """The whole mail: headers, then text/plain alone or text and HTML as multipart/alternative."""
    message = EmailMessage(policy=POLICY)
    message["Subject"] = subject
    message["From"] = address_header(*sender)
    message["To"] = ", ".join(recipients)
    if reply_to:
        message["Reply-To"] = reply_to
    message["Date"] = email.utils.format_datetime(dt.datetime.fromtimestamp(date, dt.UTC))
    message["Message-ID"] = message_id
    message.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    if html:  # a MIMEPart, not add_alternative's EmailMessage: no MIME-Version inside the part
        message.make_alternative()
        part = MIMEPart(policy=POLICY)
        part.set_content(html, subtype="html", charset="utf-8", cte="quoted-printable")
        message.attach(part)  # type: ignore[arg-type]  # typeshed asks for the message's own class
    # After the content: setting it drops every Content-* header (Content-Language included).
    for name, value in {**AUTOMATIC_HEADERS, **(extra_headers or {})}.items():
        message[name] = value
    return message


class WireMessage(Message):
    """A Flask-Mail message whose bytes are `compose`d here (Flask-Mail's own would be 8bit, unwrapped)."""

    def __init__(self, *, subject: str, sender: tuple[str, str], recipient: str, text: str, html: str | None,
                 reply_to: str | None, date: float, message_id: str) -> None:
        super().__init__(subject=subject, recipients=[recipient], body=text, html=html,
                         sender=email.utils.formataddr(sender), reply_to=reply_to, date=date)
        self.sender_pair = sender
        self.msgId = message_id

    @property
    def envelope_from(self) -> str:
        """MAIL FROM: the bare address (bounces come back to it)."""
        return self.sender_pair[1]

    def wire(self) -> EmailMessage:
        return compose(subject=self.subject, sender=self.sender_pair, recipients=[str(r) for r in self.recipients],
                       text=self.body or "", html=self.html, reply_to=self.reply_to and str(self.reply_to),
                       date=self.date or 0.0, message_id=self.msgId, extra_headers=self.extra_headers)

    def as_bytes(self) -> bytes:
        return self.wire().as_bytes()

    def as_string(self) -> str:
        return self.wire().as_string()

    @property
    def mail_options(self) -> list[str]:
        """ESMTP options of MAIL FROM: BODY=8BITMIME only for a mail that still holds 8bit bytes."""
        return [] if self.as_bytes().isascii() else ["BODY=8BITMIME"]

    @mail_options.setter
    def mail_options(self, _value: list[str]) -> None:
        pass  # derived from the content, see the getter
