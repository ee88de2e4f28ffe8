"""Checking an issued letter: by its verification code or by the PDF itself (SPEC 6).

Anyone may check, without signing in. A match says only which hub issued the letter
and when: nothing about the organisation, the decision or the officer.
"""

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ..applications.models import Application
from ..extensions import db
from ..hubs.models import Hub
from .models import DecisionLetter, LetterStatus

MAX_CODE_INPUT = 40


@dataclass(frozen=True)
class Verified:
    """What the public may learn about a genuine letter."""

    hub: str
    lead_organisation: str
    issued_at: datetime


def normalise_code(typed: str) -> str:
    """A typed code as stored: upper case, without spaces or hyphens."""
    return re.sub(r"[^A-Z0-9]", "", (typed or "")[:MAX_CODE_INPUT].upper())


def _issued(condition) -> Verified | None:
    row = db.session.execute(
        select(Hub.name, Hub.lead_organisation, DecisionLetter.issued_at)
        .join(Application, Application.id == DecisionLetter.application_id)
        .join(Hub, Hub.id == Application.hub_id)
        .where(DecisionLetter.status == LetterStatus.ISSUED, condition)
        .limit(1)
    ).first()
    return Verified(*row) if row else None


def verify_code(typed: str) -> Verified | None:
    """The issued letter with this verification code, or None."""
    code = normalise_code(typed)
    return _issued(DecisionLetter.verification_code == code) if code else None


def verify_pdf(data: bytes) -> Verified | None:
    """The issued letter whose stored PDF is exactly these bytes (same SHA-256), or None."""
    return _issued(DecisionLetter.pdf_sha256 == hashlib.sha256(data).hexdigest())
