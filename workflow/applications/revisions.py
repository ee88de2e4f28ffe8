"""Revisions of the answers: each time they are sent to the trust office, kept as sent, and
what changed between two of them, question by question and word by word."""

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from sqlalchemy import func, select

from ..extensions import db
from ..hubs.definition import definition_of
from .documents import human_size
from .models import AnswerRevision, Application, Document
from .sections import Row, all_answers, file_questions, summaries_as_sent

SAME, ADDED, REMOVED, CHANGED = "same", "added", "removed", "changed"
CHANGE_TAGS = {ADDED: ("Added", "govuk-tag--green"), REMOVED: ("Removed", "govuk-tag--red"), CHANGED: ("Changed", "govuk-tag--blue")}
# The audit event each reason for keeping a revision is recorded with.
EVENT_OF_REASON = {"submitted": "submit", "response": "respond"}


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


def revisions_by_event(events: list, revisions: list[AnswerRevision]) -> dict[int, AnswerRevision]:
    """The revision each submission or response event sent, by event id.

    Every submission and response since revisions began keeps one, so a reason's revisions
    are its latest events' (an application moved onto forms as data kept one revision of
    its answers as they stood, as its submission's, and none for responses made before).
    """
    sent = {}
    for reason, kind in EVENT_OF_REASON.items():
        kept = [revision for revision in revisions if revision.reason == reason]
        made = [event for event in events if event.kind == kind]
        sent.update({event.id: revision for event, revision in zip(reversed(made), reversed(kept))})
    return sent


@dataclass(frozen=True)
class UsedFile:
    """A file a revision used: under its question, in the words of the version it answered."""

    document: Document
    question: str
    size: str


def files_used(revision: AnswerRevision) -> list[UsedFile]:
    """The files the revision's answers used, oldest first."""
    used = set(revision.documents or [])
    definition = definition_of(revision.form_version)
    return [
        UsedFile(document, getattr(definition.question(document.kind), "label", document.kind), human_size(document.size))
        for document in revision.application.documents
        if document.id in used
    ]


def answers_as_sent(revision: AnswerRevision) -> list:
    """The revision's sections, questions and answers, in the words of the version it answered."""
    return summaries_as_sent(revision.application, revision.form_version, revision.answers or {})


# --- What changed between two revisions ---------------------------------------------


@dataclass(frozen=True)
class Piece:
    """A run of an answer's words, the same in both revisions, added or removed; a file is
    one piece, with its document."""

    text: str
    change: str = SAME
    document: Document | None = None

    @property
    def added(self) -> bool:
        return self.change == ADDED

    @property
    def removed(self) -> bool:
        return self.change == REMOVED


@dataclass
class AnswerChange:
    """One question added, removed or whose answer changed, its words marked."""

    label: str
    change: str
    lines: list[list[Piece]]
    bulleted: bool = False
    worded_before: str = ""  # the question's earlier words, when the version asked it differently

    @property
    def tag(self) -> dict:
        """The change as a GOV.UK tag's parameters."""
        text, classes = CHANGE_TAGS[self.change]
        return {"text": text, "classes": classes}


@dataclass
class SectionChanges:
    title: str
    changes: list[AnswerChange] = field(default_factory=list)
    unchanged: int = 0


@dataclass
class Comparison:
    """What changed from `older` to `newer`, section by section in the newer one's order."""

    older: AnswerRevision
    newer: AnswerRevision
    sections: list[SectionChanges]

    def _count(self, change: str) -> int:
        return sum(1 for section in self.sections for each in section.changes if each.change == change)

    @property
    def changed(self) -> int:
        return self._count(CHANGED)

    @property
    def added(self) -> int:
        return self._count(ADDED)

    @property
    def removed(self) -> int:
        return self._count(REMOVED)

    @property
    def with_changes(self) -> list[SectionChanges]:
        return [section for section in self.sections if section.changes]

    @property
    def unchanged_sections(self) -> list[str]:
        """The titles of the sections whose every answer is the same."""
        return [section.title for section in self.sections if not section.changes]


def _identity(section, row: Row) -> tuple[bool, str]:
    """A question's identity across versions: its key (a key keeps its meaning for life)."""
    return section.is_organisation, row.name


def compare(older: AnswerRevision, newer: AnswerRevision) -> Comparison:
    """The questions added, removed and changed from `older` to `newer`, each change's words marked."""
    earlier_summaries = answers_as_sent(older)
    before = {_identity(summary.section, row): row for summary in earlier_summaries for row in summary.rows}
    groups: dict[str, SectionChanges] = {}
    seen = set()
    for summary in answers_as_sent(newer):
        group = groups.setdefault(summary.key, SectionChanges(summary.title))
        for row in summary.rows:
            identity = _identity(summary.section, row)
            seen.add(identity)
            earlier = before.get(identity)
            if earlier is not None and _same(earlier, row):
                group.unchanged += 1
            else:
                group.changes.append(_change(earlier, row))
    for summary in earlier_summaries:
        for row in summary.rows:
            if _identity(summary.section, row) not in seen:
                groups.setdefault(summary.key, SectionChanges(summary.title)).changes.append(_change(row, None))
    return Comparison(older, newer, list(groups.values()))


def _same(before: Row, after: Row) -> bool:
    return _document_id(before) == _document_id(after) and _words_of(before.lines) == _words_of(after.lines)


def _document_id(row: Row) -> int | None:
    return row.document.id if row.document is not None and row.lines else None


def _words_of(lines: list[str]) -> list[list[str]]:
    return [line.split() for line in lines]


def _change(before: Row | None, after: Row | None) -> AnswerChange:
    shown = after or before
    change = ADDED if before is None else REMOVED if after is None else CHANGED
    if shown.document is not None or (before is not None and before.document is not None):
        lines = _files(before, after)
    elif shown.bulleted:
        lines = _marked_lines(before.lines if before else [], after.lines if after else [])
    else:
        lines = _marked_words(before.lines if before else [], after.lines if after else [])
    worded_before = before.label if before is not None and after is not None and before.label != after.label else ""
    return AnswerChange(shown.label, change, lines, shown.bulleted, worded_before)


def _files(before: Row | None, after: Row | None) -> list[list[Piece]]:
    """The file the question used before, removed, and the one it uses now, added."""
    lines = []
    if before is not None and before.lines:
        lines.append([Piece(before.lines[0], REMOVED, before.document)])
    if after is not None and after.lines:
        lines.append([Piece(after.lines[0], ADDED, after.document)])
    return lines


def _marked_lines(before: list[str], after: list[str]) -> list[list[Piece]]:
    """A list answer (choices, "add another" items) marked line by line."""
    lines = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if tag == "equal":
            lines.extend([Piece(line)] for line in after[j1:j2])
            continue
        lines.extend([Piece(line, REMOVED)] for line in before[i1:i2])
        lines.extend([Piece(line, ADDED)] for line in after[j1:j2])
    return lines


NEW_LINE = "\n"


def _tokens(lines: list[str]) -> list[str]:
    """An answer's words, with a token between its lines."""
    tokens = []
    for number, line in enumerate(lines):
        if number:
            tokens.append(NEW_LINE)
        tokens.extend(re.findall(r"\S+", line))
    return tokens


def _marked_words(before: list[str], after: list[str]) -> list[list[Piece]]:
    """A text answer, its words added and removed marked, line by line (words joined by a space)."""
    old, new = _tokens(before), _tokens(after)
    runs: list[tuple[str, list[str]]] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            runs.append((SAME, new[j1:j2]))
            continue
        if i2 > i1:
            runs.append((REMOVED, old[i1:i2]))
        if j2 > j1:
            runs.append((ADDED, new[j1:j2]))
    lines: list[list[Piece]] = [[]]
    for change, tokens in runs:
        words: list[str] = []
        for token in [*tokens, None]:
            if token is None or token == NEW_LINE:
                if words:
                    lines[-1].append(Piece(" ".join(words), change))
                    words = []
                if token == NEW_LINE:
                    lines.append([])
            else:
                words.append(token)
    return [line for line in lines if line]
