"""What every browser walk does the same way: signing a staff member in on the login form."""

from __future__ import annotations

from factories import PASSWORD


def sign_in(page, base: str, email: str, password: str = PASSWORD, path: str = "/login") -> None:
    """Fill the login form at `base + path` as a person would and press "Anmelden"."""
    page.goto(base + path)
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort", exact=True).fill(password)
    page.get_by_role("button", name="Anmelden").click()
