"""Two-factor sign-in by TOTP (RFC 6238, 30-second steps, 6 digits), with single-use recovery codes.

The TOTP secret is kept encrypted (Fernet, under TOTP_ENCRYPTION_KEYS or else a key derived
from SECRET_KEY), and a recovery code only as its HMAC-SHA256 under a key that is not in the
database (RECOVERY_CODE_KEY, or else another key derived from SECRET_KEY): a copy of the
database alone gives away neither the secrets nor the codes, however short they are (keys.py).
"""

import hashlib
import hmac
import secrets

import pyotp
from flask import current_app
from sqlalchemy import select

from ..errors import NotAllowed
from ..extensions import db
from ..types import utcnow
from .keys import decrypt_totp_secret, encrypt_totp_secret, recovery_code_keys, under_first_key
from .models import RecoveryCode, User

RECOVERY_CODE_COUNT = 10
ISSUER = "Consort"


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// URI an authenticator app takes (typed in, or from a QR code)."""
    issuer = f"{ISSUER} ({current_app.config['LEAD_ORGANISATION']})"
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer)


def _matching_step(secret: str, code: str, after_step: int = 0) -> int | None:
    """The time step whose code this is (allowing one step of clock drift), if newer than `after_step`."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(utcnow())
    for step in (current, current - 1, current + 1):
        if step > after_step and secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _digest(code: str, key: bytes) -> str:
    return hmac.new(key, "".join(code.lower().split()).replace("-", "").encode(), hashlib.sha256).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(RecoveryCode.__table__.delete().where(RecoveryCode.user_id == user.id))
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODE_COUNT)]
    key = recovery_code_keys()[0]
    db.session.add_all(RecoveryCode(user_id=user.id, code_digest=_digest(code, key)) for code in codes)
    return codes


def enable_two_factor(user: User, secret: str, code: str) -> list[str] | None:
    """Turn on two-factor sign-in if the code matches the new secret; the recovery codes, shown once."""
    step = _matching_step(secret, code)
    if step is None:
        return None
    user.totp_secret = encrypt_totp_secret(secret)
    user.totp_enabled_at = utcnow()
    user.totp_last_step = step
    codes = _new_recovery_codes(user)
    db.session.flush()
    return codes


def replace_recovery_codes(user: User) -> list[str]:
    """New recovery codes for an enrolled account; the old ones stop working."""
    if not user.has_second_factor:
        raise NotAllowed("Set up two-factor sign-in first.")
    codes = _new_recovery_codes(user)
    db.session.flush()
    return codes


def _secret_of(user: User) -> str | None:
    """The user's TOTP secret, or None (with a warning in the log) if no key opens it."""
    secret = decrypt_totp_secret(user.totp_secret or "")
    if secret is None:
        current_app.logger.warning(
            "The TOTP secret of user %s could not be decrypted (TOTP_ENCRYPTION_KEYS or SECRET_KEY changed?):"
            " their authenticator codes are refused until its key is restored"
            " or an admin resets their two-factor sign-in",
            user.id,
        )
    return secret


def check_second_factor(user: User, code: str) -> str | None:
    """Accept an authenticator code (each once) or an unused recovery code: 'totp', 'recovery' or None."""
    if not user.has_second_factor:
        return None
    secret = _secret_of(user)
    step = None if secret is None else _matching_step(secret, code, after_step=user.totp_last_step)
    if step is not None:
        user.totp_last_step = step
        user.totp_secret = under_first_key(user.totp_secret)
        db.session.flush()
        return "totp"
    row = db.session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_digest.in_([_digest(code, key) for key in recovery_code_keys()]),
            RecoveryCode.used_at.is_(None),
        )
    )
    if row is None:
        return None
    row.used_at = utcnow()
    db.session.flush()
    return "recovery"


def recovery_codes_left(user: User) -> int:
    return sum(
        1 for _ in db.session.scalars(
            select(RecoveryCode.id).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        )
    )


def turn_off_two_factor(user: User) -> None:
    """Remove the second factor (the policy's "turn_off_second_factor" row says which accounts may)."""
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = 0
    db.session.execute(RecoveryCode.__table__.delete().where(RecoveryCode.user_id == user.id))
    db.session.flush()


def reset_two_factor(user: User) -> None:
    """For an admin helping someone who lost their device: they enrol again at their next sign-in."""
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = 0
    db.session.execute(RecoveryCode.__table__.delete().where(RecoveryCode.user_id == user.id))
    user.session_version += 1
    db.session.flush()
