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
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from ..accounts.models import Role, User, UserRole
from ..audit.operations import record_event
from ..errors import WrongState
from ..extensions import db
from ..hubs.images import image_data_url
from ..notifications.operations import notify_organisation
from ..policy import LETTER_DRAFTED
from ..types import london, utcnow
from ..votes.rule import Choice
from .models import CODE_LENGTH, DecisionLetter, LetterStatus, LetterTemplate, display_code
from .render import render_pdf, stylesheet
from .templating import (
    SAMPLE_FIELDS,
    LetterTemplateError,
    render_letter_body,
    validate_template,
)

OUTCOME_WORDS = {Choice.APPROVE: "approved", Choice.DECLINE: "declined"}
NO_CHAIR = "The Chair"
DRAFT_MARK = "Draft for checking: this letter has not been issued."
SAMPLE_MARK = "Sample letter for checking the template: made-up details, not a real letter."
ISSUED_ALREADY = LETTER_DRAFTED.refusal


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


def signature_url(hub) -> str:
    """The chair's signature image as a ``data:`` URL for the letter, or "" if the hub has none."""
    return image_data_url(hub.signature_image)


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
    term = partnership_term(letter, on)
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
        "chair_signature": signature_url(application.hub),
        "term_years": application.hub.partnership_term_years,
        "term_start": _day(term[0]) if approved else "",
        "term_end": _day(term[1]) if approved else "",
    }


def verification_url() -> str:
    """The public page where anyone can check a letter (printed in every issued letter)."""
    return current_app.config["PUBLIC_URL"].rstrip("/") + "/verify"


def _page(hub, fields: dict, body_template: str, *, addressee: list[str], mark: str, code: str | None) -> str:
    """A complete letter page (letterhead, details, body, signature, footer) as HTML."""
    try:
        body = render_letter_body(body_template, fields)
    except LetterTemplateError as problem:
        raise WrongState(
            f"The letter template has a problem on line {problem.line}: {problem.message}. "
            "An admin must correct the template before this letter can be previewed or issued."
        ) from None
    return current_app.jinja_env.get_template("letters/letter.html").render(
        hub=hub,
        fields=fields,
        body=body,
        logo_url=image_data_url(hub.logo_image),
        hub_address=[line.strip() for line in (hub.address or "").splitlines() if line.strip()],
        addressee=addressee,
        approved=fields["outcome"] == OUTCOME_WORDS[Choice.APPROVE],
        mark=mark,
        verification_code=display_code(code) if code else "",
        verification_url=verification_url(),
    )


def _document(letter: DecisionLetter, *, on: datetime, verification_code: str | None) -> str:
    """The letter as a complete HTML page, dated `on`; a draft without a code."""
    organisation = letter.application.organisation
    return _page(
        letter.application.hub,
        merge_fields(letter, on),
        letter.template.body,
        addressee=[line for line in (organisation.contact_name, organisation.name) if line] + postal_lines(organisation),
        mark="" if verification_code else DRAFT_MARK,
        code=verification_code,
    )


def letter_html(letter: DecisionLetter) -> str:
    """The letter as HTML: dated today while drafted, as issued once issued."""
    if letter.is_issued:
        return _document(letter, on=letter.issued_at, verification_code=letter.verification_code)
    return _document(letter, on=utcnow(), verification_code=None)


def _pdf(html: str, title: str) -> bytes:
    """A letter page (:func:`_page`) as PDF, with the letter's own parsed stylesheet."""
    return render_pdf(
        html,
        static_folder=current_app.static_folder,
        title=title,
        stylesheets=[stylesheet("decision-letter.css")],
    )


def _render(html: str, letter: DecisionLetter) -> bytes:
    return _pdf(html, f"Decision letter {letter.application.reference}")


def preview_pdf(letter: DecisionLetter) -> bytes:
    """The letter as a PDF to check, not stored; an issued letter's stored bytes."""
    if letter.is_issued:
        return letter.pdf
    return _render(letter_html(letter), letter)


def save_free_paragraph(letter: DecisionLetter, officer, text: str) -> DecisionLetter:
    """Replace the letter's free paragraph (conditions or feedback) while it is drafted."""
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
            organisation_name=letter.application.organisation.name,
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


# Templates: every version kept, edited by admins only


def template_versions(hub_id: int, outcome: Choice) -> list[LetterTemplate]:
    """Every saved version of the hub's template for this outcome, newest first."""
    return list(db.session.scalars(
        select(LetterTemplate)
        .where(LetterTemplate.hub_id == hub_id, LetterTemplate.outcome == outcome)
        .order_by(LetterTemplate.version.desc())
    ))


def save_template_version(hub, outcome: Choice, body: str, admin) -> LetterTemplate:
    """Keep `body` as the next version of the hub's template; letters drafted from now on use it.

    Refuses (:class:`LetterTemplateError`, with the line) a body that does not pass
    :func:`validate_template`: nothing is saved. Two admins saving at once: one wins,
    the other is refused (409) and nothing of theirs is saved.
    """
    if outcome not in OUTCOME_WORDS:
        raise ValueError(f"a decision letter approves or declines, not {outcome!r}")
    body = (body or "").replace("\r\n", "\n")
    problem = validate_template(body)
    if problem is not None:
        raise LetterTemplateError(*problem)
    latest = db.session.scalar(
        select(func.max(LetterTemplate.version))
        .where(LetterTemplate.hub_id == hub.id, LetterTemplate.outcome == outcome)
    )
    template = LetterTemplate(
        hub_id=hub.id, outcome=outcome, version=(latest or 0) + 1, body=body, created_by_id=admin.id
    )
    try:
        with db.session.begin_nested():
            db.session.add(template)
    except IntegrityError:
        raise WrongState("Someone saved a new version of this template at the same moment. Check it and save again.") from None
    return template


def sample_fields(hub, outcome: Choice, on: datetime) -> dict:
    """Made-up merge fields for previewing a template, with the hub's own details."""
    start = london(on).date()
    approved = outcome is Choice.APPROVE
    return {
        **SAMPLE_FIELDS[0],
        "reference": f"{hub.reference_prefix}-{start.year}-0000",
        "date": _day(start),
        "hub": hub.name,
        "outcome": OUTCOME_WORDS[outcome],
        "chair_name": chair_name(),
        "chair_signature": signature_url(hub),
        "term_years": hub.partnership_term_years,
        "term_start": _day(start) if approved else "",
        "term_end": _day(add_years(start, hub.partnership_term_years)) if approved else "",
    }


def template_preview_pdf(hub, outcome: Choice, body: str) -> bytes:
    """A PDF of `body` as a letter to a made-up organisation, marked as a sample."""
    fields = sample_fields(hub, outcome, utcnow())
    addressee = [fields["contact"], fields["organisation"], *fields["address"].splitlines()]
    html = _page(hub, fields, body, addressee=addressee, mark=SAMPLE_MARK, code=None)
    return _pdf(html, f"Sample decision letter, {hub.name}")
