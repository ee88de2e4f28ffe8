"""Hypothesis drives every form with arbitrary text, sizes, encodings and missing fields.

Each page's forms are found by parsing the page, so a new field or form is fuzzed
without a change here. Nothing may answer 5xx, and nothing already saved may be lost
(no table loses rows). Profiles: "ci" in the test command, "deep" (1,000 examples a
form) in `scripts/fuzz`.
"""

from urllib.parse import quote_from_bytes

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.builders import row_counts
from tests.page_helpers import PAGES, SKIPPED_ACTIONS, Forms
from workflow.extensions import db as _db


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
