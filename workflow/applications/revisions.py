"""Revisions of the answers: each time they are sent to the trust office, kept as sent."""

from sqlalchemy import func, select

from ..extensions import db
from .models import AnswerRevision, Application
from .sections import all_answers, file_questions


def keep_revision(application: Application, user, reason: str) -> AnswerRevision:
    """Keep the answers as they are being sent ("submitted" or "response"), with the files they use."""
    number = (db.session.scalar(
        select(func.max(AnswerRevision.number)).where(AnswerRevision.application_id == application.id)
    ) or 0) + 1
    answers = all_answers(application)
    documents = sorted({
        int(answers[question.key]) for question in file_questions(application)
        if str(answers.get(question.key, "")).isdigit()
    })
    revision = AnswerRevision(
        application_id=application.id, number=number, form_version_id=application.form_version_id,
        answers={row.key: dict(row.answers or {}) for row in application.sections},
        documents=documents, reason=reason, created_by_id=getattr(user, "id", None),
    )
    db.session.add(revision)
    db.session.flush()
    return revision
