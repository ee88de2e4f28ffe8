"""Words made from data, for pages, emails and messages: a count with its noun, a name's
possessive, an example date counted from today."""

from datetime import timedelta

from markupsafe import Markup, escape

from .types import london_today


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """The count with its noun in the right number: "1 application", "3 applications", "2 people"."""
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"


def possessive(name: str) -> str:
    """The name's possessive: "Ada Lovelace's", and "Brackley Youth Strings'" for a name ending in s."""
    name = name.strip()
    return f"{name}'" if name[-1:] in {"s", "S"} else f"{name}'s"


def example_date(days_from_today: int) -> str:
    """A day as typed in GOV.UK's day, month and year boxes, so many days from today: "27 3 2027"."""
    day = london_today() + timedelta(days=days_from_today)
    return f"{day.day} {day.month} {day.year}"


class DateHint:
    """A date field's hint ending in an example date counted from today, worked out each time it is shown."""

    def __init__(self, days_from_today: int, lead: str = ""):
        self.days_from_today, self.lead = days_from_today, lead

    def __str__(self) -> str:
        return f"{self.lead}For example, {example_date(self.days_from_today)}"

    __repr__ = __str__  # the widgets remember a drawing by its parameters' repr: a new day draws anew

    def __html__(self) -> Markup:
        return escape(str(self))
