"""Link tokens: random, at least 128 bits; looked up by their SHA-256 hash, otherwise stored only
sealed with the link keyring (survey/link_keys.py)."""

import hashlib
import secrets

TOKEN_BYTES = 24  # 192 bits


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
