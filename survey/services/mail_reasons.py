"""German sentences for why a mail did not arrive, with the server's own text as the detail.

One place for both ways a verdict reaches us: an SMTP reply while sending (delivery) and a
delivery-status notification later (bounces). Planners read the sentence; the server's text
follows after "Meldung des Servers:" for whoever helps them.
"""

from __future__ import annotations

import re

# What the enhanced status code's subject (RFC 3463, "5.<subject>.x") means for the planner.
EXPLANATIONS = {
    "1": "Die Adresse gibt es beim Empfänger nicht (vertippt oder nicht mehr vergeben).",
    "2": "Das Postfach ist voll, gesperrt oder stillgelegt.",
    "3": "Der Mailserver des Empfängers nimmt zurzeit keine E-Mails an.",
    "4": "Der Mailserver des Empfängers war nicht erreichbar.",
    "7": "Der Empfänger hat die E-Mail abgelehnt (Spam- oder Sicherheitsfilter).",
}
ENHANCED = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")


def explain(status: str,
            general: str = "Der Mailserver des Empfängers hat die E-Mail nachträglich zurückgeschickt.") -> str:
    """A German sentence for an enhanced status code such as 5.1.1."""
    parts = status.split(".")
    return EXPLANATIONS.get(parts[1], general) if len(parts) == 3 else general


def smtp_refusal(code: int, text: str) -> str:
    """The reason shown for a refusal while sending: "<German sentence> Meldung des Servers: 550 …"."""
    found = ENHANCED.search(text)
    if code >= 500:
        general = "Der Mailserver hat die E-Mail endgültig abgelehnt."
    else:
        general = "Der Mailserver hat die E-Mail vorläufig abgewiesen; sie wird später erneut versucht."
    sentence = explain(found.group(0), general) if found and code >= 500 else general
    return f"{sentence} Meldung des Servers: {code} {text}".strip()
