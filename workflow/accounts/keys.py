"""Keys kept out of the database for what it holds about second factors.

Recovery codes are kept as HMAC-SHA256 digests, TOTP secrets as Fernet tokens. Each has
its own setting (RECOVERY_CODE_KEY, TOTP_ENCRYPTION_KEYS) and, when that is not set, a key
derived from SECRET_KEY for that use alone. The derived key is always tried as well, so
setting the key later locks nobody out. A copy of the database alone gives away neither.
"""

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app


def _as_bytes(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode()


def _derive(secret_key: str | bytes, label: str) -> bytes:
    return hmac.new(_as_bytes(secret_key), f"consort {label}".encode(), hashlib.sha256).digest()


def derived_key(label: str) -> bytes:
    """A 32-byte key for one use, derived from SECRET_KEY: HMAC-SHA256 of the use's label."""
    return _derive(current_app.config["SECRET_KEY"], label)


def recovery_code_keys() -> list[bytes]:
    """The keys recovery codes are hashed with: RECOVERY_CODE_KEY when set (it keys new codes),
    then one derived from SECRET_KEY (the only one when RECOVERY_CODE_KEY is not set)."""
    derived = derived_key("recovery-code-key")
    own = current_app.config.get("RECOVERY_CODE_KEY")
    return [_as_bytes(own), derived] if own else [derived]


def configured_totp_keys(setting: str | None) -> list[Fernet]:
    """The Fernet keys of TOTP_ENCRYPTION_KEYS (comma-separated), in order; ValueError if one is not a key."""
    keys = []
    for position, key in enumerate((setting or "").split(","), start=1):
        if not key.strip():
            continue
        try:
            keys.append(Fernet(key.strip()))
        except ValueError:
            raise ValueError(
                f"TOTP_ENCRYPTION_KEYS: key {position} is not a Fernet key (32 url-safe base64-encoded bytes;"
                " make one with: python -c 'from cryptography.fernet import Fernet;"
                " print(Fernet.generate_key().decode())')"
            ) from None
    return keys


def totp_keys() -> list[Fernet]:
    """TOTP_ENCRYPTION_KEYS in order (the first encrypts), then the key derived from SECRET_KEY."""
    return list(_totp_keys(current_app.config["SECRET_KEY"], current_app.config.get("TOTP_ENCRYPTION_KEYS")))


@lru_cache(maxsize=8)
def _totp_keys(secret_key: str | bytes, setting: str | None) -> tuple[Fernet, ...]:
    """Built once per configuration: a sign-in would otherwise derive and parse every key again."""
    derived = Fernet(base64.urlsafe_b64encode(_derive(secret_key, "totp-secret-key")))
    return (*configured_totp_keys(setting), derived)


def encrypt_totp_secret(secret: str) -> str:
    """A TOTP secret as a Fernet token under the first key, as the database keeps it."""
    return totp_keys()[0].encrypt(secret.encode()).decode()


def decrypt_totp_secret(token: str) -> str | None:
    """The TOTP secret in a token, or None if no key opens it (a key rotated away, or SECRET_KEY changed)."""
    try:
        return MultiFernet(totp_keys()).decrypt(token.encode()).decode()
    except InvalidToken:
        return None


def under_first_key(token: str) -> str:
    """The same secret encrypted with the first key: the token itself if it already is."""
    keys = totp_keys()
    try:
        keys[0].decrypt(token.encode())
    except InvalidToken:
        return MultiFernet(keys).rotate(token.encode()).decode()
    return token

