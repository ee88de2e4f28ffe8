"""Checking an issued letter: by its verification code or by the PDF itself (SPEC 6).

Anyone may check, without signing in. A match says which hub issued the letter and
when, and what the letter says it is about: the organisation, the reference and the
decision, so that a reader can compare them with the paper in front of them (a real
code copied onto an edited letter then shows what the real letter said). Once
anonymising has erased the letter, a match says only the hub and the date.
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
from .operations import OUTCOME_WORDS

MAX_CODE_INPUT = 40


@dataclass(frozen=True)
class Verified:
    """What the public may learn about a genuine letter."""

    hub: str
    lead_organisation: str
    issued_at: datetime
    organisation: str | None  # None once anonymising has erased the letter
    reference: str | None
    decision: str | None  # "approved" or "declined", as the letter words it


def normalise_code(typed: str) -> str:
    """A typed code as stored: upper case, without spaces or hyphens."""
    return re.sub(r"[^A-Z0-9]", "", (typed or "")[:MAX_CODE_INPUT].upper())


def _issued(condition) -> Verified | None:
    row = db.session.execute(
        select(
            Hub.name, Hub.lead_organisation, DecisionLetter.issued_at,
            DecisionLetter.organisation_name, Application.reference, DecisionLetter.outcome,
        )
        .join(Application, Application.id == DecisionLetter.application_id)
        .join(Hub, Hub.id == Application.hub_id)
        .where(DecisionLetter.status == LetterStatus.ISSUED, condition)
        .limit(1)
    ).first()
    if row is None:
        return None
    hub, lead, issued_at, organisation, reference, outcome = row
    if organisation is None:
        return Verified(hub, lead, issued_at, None, None, None)
    return Verified(hub, lead, issued_at, organisation, reference, OUTCOME_WORDS[outcome])


def verify_code(typed: str) -> Verified | None:
    """The issued letter with this verification code, or None."""
    code = normalise_code(typed)
    return _issued(DecisionLetter.verification_code == code) if code else None


def verify_pdf(data: bytes) -> Verified | None:
    """The issued letter whose stored PDF is exactly these bytes (same SHA-256), or None."""
    return _issued(DecisionLetter.pdf_sha256 == hashlib.sha256(data).hexdigest())
