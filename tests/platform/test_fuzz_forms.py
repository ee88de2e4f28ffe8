"""Hypothesis drives every form with arbitrary text, sizes, encodings and missing fields.

Each page's forms are found by parsing the page, so a new field or form is fuzzed
without a change here. Nothing may answer 5xx, and nothing already saved may be lost
(no table loses rows). Profiles: "ci" in the test command, "deep" (1,000 examples a
form) in `scripts/fuzz`.
"""

from html.parser import HTMLParser
from urllib.parse import quote_from_bytes

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from workflow.extensions import db as _db


SKIPPED_ACTIONS = ("/sign-out", "/withdraw", "/submit", "/issue", "/close", "/defer")


class Forms(HTMLParser):
    """The forms of a page: method, action and fields (name -> kind, known values)."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._select = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            method = (attrs.get("method") or "get").lower()
            self.forms.append({"method": method, "action": attrs.get("action") or "", "fields": {}})
        if not self.forms:
            return
        fields = self.forms[-1]["fields"]
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in {"submit", "button"}:
            kind = attrs.get("type") or "text"
            entry = fields.setdefault(name, {"kind": kind, "values": []})
            if attrs.get("value") is not None:
                entry["values"].append(attrs["value"])
        elif tag == "textarea" and name:
            fields.setdefault(name, {"kind": "textarea", "values": []})
        elif tag == "select" and name:
            self._select = fields.setdefault(name, {"kind": "select", "values": []})
        elif tag == "option" and self._select is not None and attrs.get("value") is not None:
            self._select["values"].append(attrs["value"])

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


TEXT = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300),
    st.sampled_from(["", " ", "0", "-1", "1e309", "31/02/2026", "<script>alert(1)</script>", "' OR 1=1 --",
                     "{{ 7*7 }}", "\u202e\u0000", "Zofia Wiśniewska", "محمد", "শর্মা", "ਗੁਰਪ੍ਰੀਤ", "王小明"]),
    st.text(max_size=5).map(lambda s: s * 4000),
)


def field_value(field: dict):
    known = field["values"]
    if field["kind"] in {"radio", "checkbox", "select"} and known:
        return st.one_of(st.sampled_from(known), st.lists(st.sampled_from(known), max_size=3), TEXT)
    if field["kind"] == "hidden" and known:
        return st.one_of(st.just(known[0]), TEXT)
    return TEXT


def form_data(form: dict):
    """A strategy of posted fields: each field present with odd values, or missing."""
    return st.fixed_dictionaries(
        {},
        optional={name: field_value(field) for name, field in form["fields"].items() if field["kind"] != "file"},
    )


RAW_BYTES = st.binary(max_size=200).map(lambda raw: b"field=" + quote_from_bytes(raw).encode() + b"&x=%FF%FE")


PAGES = [
    ("anonymous", "/register"),
    ("anonymous", "/sign-in"),
    ("applicant", "/organisation"),
    *[("applicant", f"/applications/{{draft}}/sections/{key}") for key in
      ("offer", "goals", "national_plan", "complementarity", "in_kind", "documents", "declarations")],
    ("applicant", "/applications/{in_review}/messages"),
    ("officer", "/office/applications/{in_review}"),
    ("officer", "/office/applications/{in_review}/request-information"),
    ("officer", "/office/applications/{in_review}/put-to-trustees"),
    ("officer", "/office"),
    ("trustee", "/trustees/votes/{vote}"),
]


def row_counts() -> dict[str, int]:
    """Rows per table, in one query."""
    tables = _db.metadata.sorted_tables
    counts = _db.session.execute(
        select(*[select(func.count()).select_from(table).scalar_subquery() for table in tables])
    ).one()
    return dict(zip((table.name for table in tables), counts))


@pytest.mark.parametrize("role, page", PAGES)
def test_forms_survive_anything(client, login, world, role, page):
    if world[role] is not None:
        login(world[role])
    url = page.format(**world)
    response = client.get(url)
    assert response.status_code == 200, url
    forms = [f for f in Forms(response.get_data(as_text=True)).forms if not f["action"].endswith(SKIPPED_ACTIONS)]
    assert forms, f"no form on {url}"

    @settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow], deadline=None)
    @given(index=st.integers(0, len(forms) - 1), data=st.data(), raw=st.one_of(st.none(), RAW_BYTES))
    def post_anything(index, data, raw):
        form = forms[index]
        target = form["action"] or url
        before = row_counts()
        if form["method"] == "get":
            answer = client.get(target, query_string=data.draw(form_data(form)))
        elif raw is not None:
            answer = client.post(target, data=raw, content_type="application/x-www-form-urlencoded")
        else:
            answer = client.post(target, data=data.draw(form_data(form)))
        _db.session.rollback()
        assert answer.status_code < 500, (target, answer.status_code)
        after = row_counts()
        lost = {table: (before[table], after[table]) for table in before if after[table] < before[table]}
        assert not lost, (target, lost)

    post_anything()
