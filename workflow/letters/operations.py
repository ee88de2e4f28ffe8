"""Drafting, previewing and issuing decision letters (SPEC 6).

A letter is drafted from the hub's current template when the outcome is known; the
officer may edit its free paragraph and preview it; issuing renders the PDF once and
stores its bytes, which never change afterwards: every download serves them.
"""

import base64
import hashlib
import secrets
from datetime import date, datetime

from flask import current_app, url_for
from sqlalchemy import select, update

from ..accounts.models import Role, User, UserRole
from ..audit.operations import record_event
from ..errors import NotAllowed, WrongState
from ..extensions import db
from ..notifications.operations import notify_organisation
from ..types import london, utcnow
from ..votes.rule import Choice
from .models import DecisionLetter, LetterStatus, LetterTemplate
from .render import render_pdf, static_url
from .templating import LetterTemplateError, render_letter_body

OUTCOME_WORDS = {Choice.APPROVE: "approved", Choice.DECLINE: "declined"}
NO_CHAIR = "The Chair"
CODE_LENGTH = 10
ISSUED_ALREADY = "This letter has already been issued. An issued letter never changes."


def current_template(hub_id: int, outcome: Choice) -> LetterTemplate:
    """The newest version of the hub's template for this outcome."""
    template = db.session.scalar(
        select(LetterTemplate)
        .where(LetterTemplate.hub_id == hub_id, LetterTemplate.outcome == outcome)
        .order_by(LetterTemplate.version.desc())
        .limit(1)
    )
    if template is None:
        from .defaults import default_template_body

        template = LetterTemplate(hub_id=hub_id, outcome=outcome, version=1, body=default_template_body(outcome))
        db.session.add(template)
        db.session.flush()
    return template


def draft_letter(application, outcome: Choice) -> DecisionLetter:
    """Draft the decision letter from the hub's current template for the outcome.

    An application has one letter: if it already has one, that letter is returned.
    """
    if outcome not in OUTCOME_WORDS:
        raise ValueError(f"a decision letter approves or declines, not {outcome!r}")
    existing = db.session.scalar(select(DecisionLetter).where(DecisionLetter.application_id == application.id))
    if existing is not None:
        return existing
    letter = DecisionLetter(
        application_id=application.id,
        outcome=outcome,
        template_id=current_template(application.hub_id, outcome).id,
    )
    db.session.add(letter)
    db.session.flush()
    return letter


def long_date(moment: datetime) -> str:
    """A UTC time as the day it is in London, like "25 November 2026"."""
    return _day(london(moment).date())


def _day(day: date) -> str:
    return day.strftime("%-d %B %Y")


def add_years(day: date, years: int) -> date:
    """The same day `years` later (28 February for 29 February in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def partnership_term(letter: DecisionLetter, on: datetime) -> tuple[date, date]:
    """When the partnership starts (the decision) and ends (the hub's term in years later)."""
    start = london(letter.application.decided_at or on).date()
    return start, add_years(start, letter.application.hub.partnership_term_years)


def chair_name() -> str:
    """The name of the chair of the trustees (the first, if several), else "The Chair"."""
    name = db.session.scalar(
        select(User.name)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.CHAIR, User.active.is_(True))
        .order_by(User.id)
        .limit(1)
    )
    return name or NO_CHAIR


def postal_lines(organisation) -> list[str]:
    """The organisation's postal address, one line per item, postcode last."""
    lines = [line.strip() for line in (organisation.address or "").splitlines()]
    lines += [organisation.town or "", organisation.postcode or ""]
    return [line for line in lines if line]


def merge_fields(letter: DecisionLetter, on: datetime) -> dict:
    """The merge fields of the letter's template, for a letter dated `on`."""
    application = letter.application
    organisation = application.organisation
    approved = letter.outcome is Choice.APPROVE
    return {
        "organisation": organisation.name,
        "contact": organisation.contact_name or organisation.name,
        "address": "\n".join(postal_lines(organisation)),
        "reference": application.reference or "",
        "date": long_date(on),
        "hub": application.hub.name,
        "outcome": OUTCOME_WORDS[letter.outcome],
        "conditions": letter.free_paragraph or "",
        "chair_name": chair_name(),
        "chair_signature": "",
        "term_years": application.hub.partnership_term_years,
        "term_end": _day(partnership_term(letter, on)[1]) if approved else "",
    }


def _document(letter: DecisionLetter, *, on: datetime, verification_code: str | None) -> str:
    """The letter as a complete HTML page, dated `on`; a draft without a code."""
    fields = merge_fields(letter, on)
    try:
        body = render_letter_body(letter.template.body, fields)
    except LetterTemplateError as problem:
        raise WrongState(
            f"The letter template has a problem on line {problem.line}: {problem.message}. "
            "An admin must correct the template before this letter can be previewed or issued."
        ) from None
    hub, organisation = letter.application.hub, letter.application.organisation
    term_start, term_last = partnership_term(letter, on)
    return current_app.jinja_env.get_template("letters/letter.html").render(
        letter=letter,
        application=letter.application,
        hub=hub,
        fields=fields,
        body=body,
        logo_url=static_url(hub.logo) if hub.logo else "",
        hub_address=[line.strip() for line in (hub.address or "").splitlines() if line.strip()],
        addressee=[line for line in (organisation.contact_name, organisation.name) if line] + postal_lines(organisation),
        approved=letter.outcome is Choice.APPROVE,
        term_start=_day(term_start),
        term_end=_day(term_last),
        verification_code=verification_code,
        draft=verification_code is None,
    )


def letter_html(letter: DecisionLetter) -> str:
    """The letter as HTML: dated today while drafted, as issued once issued."""
    if letter.is_issued:
        return _document(letter, on=letter.issued_at, verification_code=letter.verification_code)
    return _document(letter, on=utcnow(), verification_code=None)


def _render(html: str, letter: DecisionLetter) -> bytes:
    return render_pdf(
        html,
        static_folder=current_app.static_folder,
        title=f"Decision letter {letter.application.reference}",
    )


def preview_pdf(letter: DecisionLetter) -> bytes:
    """The letter as a PDF to check, not stored; an issued letter's stored bytes."""
    if letter.is_issued:
        return letter.pdf
    return _render(letter_html(letter), letter)


def _require_staff(user) -> None:
    if not (user and user.is_authenticated and user.is_staff):
        raise NotAllowed("Only the trust office can change or issue decision letters.")


def save_free_paragraph(letter: DecisionLetter, officer, text: str) -> DecisionLetter:
    """Replace the letter's free paragraph (conditions or feedback) while it is drafted."""
    _require_staff(officer)
    text = (text or "").replace("\r\n", "\n").strip()
    changed = db.session.execute(
        update(DecisionLetter)
        .where(DecisionLetter.id == letter.id, DecisionLetter.status == LetterStatus.DRAFTED)
        .values(free_paragraph=text)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise WrongState(ISSUED_ALREADY)
    db.session.refresh(letter)
    return letter


def _new_verification_code() -> str:
    """A short random code, unused so far, that identifies an issued letter."""
    while True:
        code = base64.b32encode(secrets.token_bytes(8)).decode("ascii")[:CODE_LENGTH]
        taken = db.session.scalar(select(DecisionLetter.id).where(DecisionLetter.verification_code == code))
        if taken is None:
            return code


def issue_letter(letter: DecisionLetter, officer) -> DecisionLetter:
    """Render the letter once, store the PDF with its SHA-256, and tell the organisation.

    Compare-and-set on the status: when two officers issue at once, exactly one
    wins and the other is refused (409).
    """
    _require_staff(officer)
    if letter.is_issued:
        raise WrongState(ISSUED_ALREADY)
    now = utcnow()
    code = _new_verification_code()
    pdf = _render(_document(letter, on=now, verification_code=code), letter)
    changed = db.session.execute(
        update(DecisionLetter)
        .where(DecisionLetter.id == letter.id, DecisionLetter.status == LetterStatus.DRAFTED)
        .values(
            status=LetterStatus.ISSUED,
            pdf=pdf,
            pdf_sha256=hashlib.sha256(pdf).hexdigest(),
            verification_code=code,
            issued_at=now,
            issued_by_id=officer.id,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise WrongState(ISSUED_ALREADY)
    db.session.refresh(letter)
    application = letter.application
    record_event(application, "letter_issued", officer)
    notify_organisation(
        "letter_issued",
        application.organisation,
        f"Decision letter for your application {application.reference}",
        application=application,
        hub=application.hub,
        letter_path=url_for("letters.download", application_id=application.id),
    )
    return letter
