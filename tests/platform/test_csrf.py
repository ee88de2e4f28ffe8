"""Every POST route refuses a request without a valid CSRF token, and says why."""

import pytest
from werkzeug.routing import AnyConverter, IntegerConverter, Rule

from config import TestConfig
from workflow import create_app


@pytest.fixture(scope="module")
def csrf_app(app):
    """The same app and database with CSRF protection on, as in production."""
    return create_app(
        TestConfig,
        WTF_CSRF_ENABLED=True,
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        SQLALCHEMY_ENGINE_OPTIONS=app.config["SQLALCHEMY_ENGINE_OPTIONS"],
        INSTANCE_DIR=app.config["INSTANCE_DIR"],
        STORAGE_DIR=app.config["STORAGE_DIR"],
        MAIL_FOLDER=app.config["MAIL_FOLDER"],
    )


def post_rules(app) -> list[Rule]:
    return sorted((r for r in app.url_map.iter_rules() if "POST" in r.methods), key=lambda r: r.rule)


def sample_value(converter):
    """A value the URL argument's converter accepts: a number, one of its choices, or text."""
    if isinstance(converter, IntegerConverter):
        return 1
    if isinstance(converter, AnyConverter):
        return min(converter.items)
    return "x"


def sample_url(rule: Rule) -> str:
    names = rule.arguments - set(rule.defaults or {})
    values = {name: sample_value(rule._converters[name]) for name in names}
    return rule.build(values, append_unknown=False)[1]


def test_there_are_post_routes_to_check(csrf_app):
    assert len(post_rules(csrf_app)) > 20


def test_every_post_route_refuses_a_missing_token(csrf_app, db):
    client = csrf_app.test_client()
    for rule in post_rules(csrf_app):
        url = sample_url(rule)
        response = client.post(url, data={"anything": "value"})
        assert response.status_code == 400, (rule.endpoint, url, response.status_code)
        assert "This form has expired" in response.get_data(as_text=True), rule.endpoint


def test_every_post_route_refuses_a_forged_token(csrf_app, db):
    client = csrf_app.test_client()
    with client.session_transaction() as session:
        session["csrf_token"] = "the real one"
    for rule in post_rules(csrf_app):
        response = client.post(sample_url(rule), data={"csrf_token": "forged"})
        assert response.status_code == 400, rule.endpoint
