"""Password hashing with Argon2id, a slow, memory-hard KDF, and the password policy."""

from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


MIN_LENGTH = 12
MAX_LENGTH = 200


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list of the most common passwords, in lower case."""
    lines = (Path(__file__).parent / "common_passwords.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why this password is refused, in plain words, or None when it is acceptable.

    At least 12 characters; not one of the most common passwords (nor one with only
    digits or symbols added to the end); not the person's email address or name.
    """
    if len(password) < MIN_LENGTH:
        return f"Password must be at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"Password must be {MAX_LENGTH} characters or fewer"
    lowered = password.strip().lower()
    core = lowered.rstrip("0123456789!@#$%^&*()-_=+.?,;:'\"~ ")
    if lowered in common_passwords() or core in common_passwords() or len(set(lowered)) < 3:
        return "This password is too common and easy to guess: choose a different one"
    compact = "".join(lowered.split())
    own = {value.strip().lower() for value in (email, email.split("@")[0], name) if value and value.strip()}
    if lowered in own or compact in {"".join(value.split()) for value in own}:
        return "Your password must not be your email address or your name"
    return None
