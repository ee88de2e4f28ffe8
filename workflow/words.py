"""Words made from data, for pages, emails and messages: a count with its noun, a name's possessive."""


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """The count with its noun in the right number: "1 application", "3 applications", "2 people"."""
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"


def possessive(name: str) -> str:
    """The name's possessive: "Ada Lovelace's", and "Brackley Youth Strings'" for a name ending in s."""
    name = name.strip()
    return f"{name}'" if name[-1:] in {"s", "S"} else f"{name}'s"
