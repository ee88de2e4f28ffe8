"""Who the directory lists, with what they offer, and the filters over it."""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from ..applications.lifecycle import State
from ..applications.models import Application
from ..applications.sections import all_answers
from ..extensions import db
from ..hubs.models import Hub
from ..organisations.models import ORGANISATION_TYPE_LABELS, Organisation
from .models import DirectoryEntry, Partnership
from .partnerships import local_day

# The directory's filters: the age groups and genres of the standard form (version 1), whose
# answers every hub's form asks under the keys age_groups and genres.
AGE_GROUP_LABELS = {"early_years": "Early years (under 5)", "5_to_18": "5 to 18", "adults": "Adults"}
GENRE_LABELS = {
    "classical": "Classical and orchestral",
    "jazz": "Jazz",
    "rock_pop": "Rock and pop",
    "folk": "Folk and traditional",
    "world": "World music (for example Asian, African, Caribbean)",
    "digital": "Digital, electronic and music technology",
    "singing": "Singing and choirs",
    "bands": "Brass, wind and steel bands",
    "songwriting": "Composition and songwriting",
    "sen": "Music for children with special educational needs",
}


@dataclass
class Listing:
    """One partner as the directory shows it."""

    organisation: Organisation
    entry: DirectoryEntry | None
    application: Application  # the latest approved, consenting application
    hubs: list[Hub] = field(default_factory=list)

    @property
    def offer(self) -> dict:
        return all_answers(self.application)

    @property
    def type_value(self) -> str:
        kind = self.organisation.organisation_type
        return kind.value if kind else ""

    @property
    def type_label(self) -> str:
        kind = self.organisation.organisation_type
        return (self.organisation.type_other or "Other") if kind and kind.value == "other" else (
            ORGANISATION_TYPE_LABELS[kind] if kind else ""
        )

    @property
    def districts(self) -> list[str]:
        return list(self.offer.get("districts") or [])

    @property
    def age_groups(self) -> list[str]:
        return [v for v in self.offer.get("age_groups") or [] if v in AGE_GROUP_LABELS]

    @property
    def genres(self) -> list[str]:
        return [v for v in self.offer.get("genres") or [] if v in GENRE_LABELS]

    @property
    def hidden(self) -> bool:
        return bool(self.entry and self.entry.hidden)

    @property
    def website(self) -> str:
        return self.entry.website if self.entry else (self.organisation.website or "")


def consented(application: Application) -> bool:
    return all_answers(application).get("directory_consent") == "yes"


def _ended(application: Application, partnerships: dict[int, Partnership], today: date) -> bool:
    partnership = partnerships.get(application.id)
    return partnership is not None and partnership.ends_on < today


def listings(*, include_hidden: bool = False, today: date | None = None) -> list[Listing]:
    """Approved partners who consented to be listed, by name (hidden ones only if asked)."""
    today = today or local_day(None)
    approved = db.session.scalars(
        select(Application)
        .where(Application.state == State.APPROVED)
        .order_by(Application.decided_at.desc(), Application.id.desc())
    ).all()
    partnerships = {
        p.application_id: p
        for p in db.session.scalars(select(Partnership).where(Partnership.application_id.in_([a.id for a in approved])))
    }
    entries = {e.organisation_id: e for e in db.session.scalars(select(DirectoryEntry))}
    found: dict[int, Listing] = {}
    latest_seen: set[int] = set()
    for application in approved:
        if _ended(application, partnerships, today):
            continue
        organisation_id = application.organisation_id
        if organisation_id not in latest_seen:
            latest_seen.add(organisation_id)  # the latest approval's answer decides the consent
            if consented(application):
                found[organisation_id] = Listing(application.organisation, entries.get(organisation_id), application)
        listing = found.get(organisation_id)
        if listing is not None and application.hub not in listing.hubs:
            listing.hubs.append(application.hub)
    result = [listing for listing in found.values() if include_hidden or not listing.hidden]
    return sorted(result, key=lambda listing: listing.organisation.name.lower())


def listing_for(organisation_id: int, *, include_hidden: bool = False) -> Listing | None:
    return next(
        (listing for listing in listings(include_hidden=include_hidden) if listing.organisation.id == organisation_id),
        None,
    )


@dataclass(frozen=True)
class Filters:
    """What a visitor chose: empty means any."""

    hub: str = ""
    organisation_type: str = ""
    district: str = ""
    age_groups: tuple[str, ...] = ()
    genres: tuple[str, ...] = ()

    def matches(self, listing: Listing) -> bool:
        return (
            (not self.hub or any(hub.slug == self.hub for hub in listing.hubs))
            and (not self.organisation_type or listing.type_value == self.organisation_type)
            and (not self.district or self.district in listing.districts)
            and (not self.age_groups or bool(set(self.age_groups) & set(listing.age_groups)))
            and (not self.genres or bool(set(self.genres) & set(listing.genres)))
        )

    @property
    def active(self) -> bool:
        return bool(self.hub or self.organisation_type or self.district or self.age_groups or self.genres)


def filtered(filters: Filters) -> list[Listing]:
    return [listing for listing in listings() if filters.matches(listing)]
