"""Consort: the partner-application process of a music education hub."""

from pathlib import Path

from flask import Flask
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

from config import BASE_DIR, DEVELOPMENT_SECRET_KEY, Config, config_from_environment, production_refusals

from .accounts.keys import configured_totp_keys
from .database import init_database
from .errors import init_errors
from .extensions import csrf, limiter, login_manager, migrate
from .security import init_security_headers
from .templating import Consort


def create_app(config_class: type[Config] | None = None, **overrides) -> Flask:
    """Build the app for a configuration class, with optional overrides for tests."""
    config_class = config_class or config_from_environment()
    app = Consort(__name__, template_folder=str(BASE_DIR / "templates"), instance_path=str(BASE_DIR / "instance"))
    app.config.from_object(config_class)
    app.config.update(overrides)
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY must be set in the environment outside development")
    if app.config["SECRET_KEY"] == DEVELOPMENT_SECRET_KEY and app.config["ENV_NAME"] != "development":
        raise RuntimeError("SECRET_KEY is the development key, which is public: set a long random one")
    try:
        configured_totp_keys(app.config.get("TOTP_ENCRYPTION_KEYS"))
    except ValueError as problem:
        raise RuntimeError(str(problem)) from None
    if app.config["ENV_NAME"] == "production" and (refusals := production_refusals(app.config)):
        raise RuntimeError("Consort will not start in production: " + "; ".join(refusals))
    for folder in ("INSTANCE_DIR", "STORAGE_DIR", "MAIL_FOLDER"):
        Path(app.config[folder]).mkdir(parents=True, exist_ok=True)

    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(BASE_DIR / "templates")),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    WTFormsHelpers(app)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    from . import models  # noqa: F401  (every model registered before the first query)
    from .extensions import db
    from .notifications.delivery import init_delivery

    init_database(app)
    init_delivery(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    if app.config["PROXY_FIX_HOPS"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    from .accounts.limits import watch_for_proxies
    from .accounts.sessions import init_sessions

    watch_for_proxies(app)

    init_sessions(app)
    init_errors(app)
    init_security_headers(app)

    from .policy import init_policy
    from .web import init_web

    init_web(app)
    init_policy(app)
    init_consequences(app)

    from .commands import register_commands

    register_commands(app)
    return app


def init_consequences(app: Flask) -> None:
    """What follows each state change, in this order: the open vote ends and the waiting
    agendas clear, the partnership starts, the decision letter is drafted."""
    from .directory import consequences as directory
    from .letters import consequences as letters
    from .votes import consequences as votes

    for area in (votes, directory, letters):
        area.register(app)
