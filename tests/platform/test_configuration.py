"""Configuration that fails closed: an unknown CONSORT_ENV, the public development key, limits
counted per worker, and the demo's known passwords are all refused where they would do harm."""

import logging

import pytest

from config import DEVELOPMENT_SECRET_KEY, Config, ProductionConfig, config_from_environment
from workflow import create_app

pytestmark = pytest.mark.usefixtures("restore_limiter")


def production(tmp_path, **overrides):
    settings = {
        "SECRET_KEY": "a long random production secret", "PUBLIC_URL": "https://apply.example.org",
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'c.sqlite3'}",
        "SQLALCHEMY_ENGINE_OPTIONS": {}, "INSTANCE_DIR": tmp_path, "STORAGE_DIR": tmp_path / "storage",
        "MAIL_FOLDER": tmp_path / "mail",
    }
    return create_app(ProductionConfig, **(settings | overrides))


@pytest.mark.parametrize("name, chosen", [("development", Config), ("production", ProductionConfig)])
def test_consort_env_names_one_of_two_configurations(monkeypatch, name, chosen):
    monkeypatch.setenv("CONSORT_ENV", name)
    assert config_from_environment() is chosen


def test_development_is_the_default(monkeypatch):
    monkeypatch.delenv("CONSORT_ENV", raising=False)
    assert config_from_environment() is Config


@pytest.mark.parametrize("name", ["Production", "prod", "PRODUCTION", "production ", "testing", "staging", ""])
def test_any_other_consort_env_stops_the_app(monkeypatch, name):
    monkeypatch.setenv("CONSORT_ENV", name)
    with pytest.raises(RuntimeError, match="set it to development or production"):
        config_from_environment()


def test_the_development_key_is_refused_outside_development(tmp_path):
    with pytest.raises(RuntimeError, match="development key"):
        production(tmp_path, SECRET_KEY=DEVELOPMENT_SECRET_KEY)


def test_production_refuses_limits_counted_in_each_worker(tmp_path):
    with pytest.raises(RuntimeError, match="RATELIMIT_STORAGE_URI is memory://"):
        production(tmp_path, RATELIMIT_STORAGE_URI="memory://")


def test_production_starts_with_a_shared_store_and_its_own_key(tmp_path):
    app = production(tmp_path)
    assert app.config["ENV_NAME"] == "production" and app.config["RATELIMIT_STORAGE_URI"].startswith("redis://")


@pytest.mark.parametrize("command", [["demo"], ["seed", "applications", "--count", "1"]])
def test_the_demo_and_made_up_data_are_refused_in_production(tmp_path, command):
    app = production(tmp_path)
    with app.app_context():
        from workflow.extensions import db

        db.create_all()
        result = app.test_cli_runner().invoke(args=command)
        assert result.exit_code != 0 and "refused in production" in result.output
        from sqlalchemy import func, select

        from workflow.accounts.models import User
        from workflow.applications.models import Application

        assert db.session.scalar(select(func.count(User.id))) == 0
        assert db.session.scalar(select(func.count(Application.id))) == 0


def test_production_warns_when_no_proxy_is_named(tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        app = production(tmp_path)
    assert "PROXY_FIX_HOPS is 0" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        app.test_client().get("/hubs", headers={"X-Forwarded-For": "198.51.100.7"})
        app.test_client().get("/hubs", headers={"X-Forwarded-For": "198.51.100.8"})
    assert caplog.text.count("came through a proxy") == 1


def test_no_warning_once_the_proxies_are_named(tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        app = production(tmp_path, PROXY_FIX_HOPS=1)
        app.test_client().get("/hubs", headers={"X-Forwarded-For": "198.51.100.7"})
    assert "PROXY_FIX_HOPS" not in caplog.text
