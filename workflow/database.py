"""Database engine settings: SQLite pragmas and the transaction boundary."""

from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask, has_request_context, request
from sqlalchemy import Column, event
from sqlalchemy.engine import Engine

from .extensions import db

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
_reading = ContextVar("reading", default=False)


def dialect() -> str:
    """The kind of database the session talks to: "sqlite" or "postgresql"."""
    return db.session.get_bind().dialect.name


@contextmanager
def read_transaction():
    """Run the block in a transaction of its own that only reads, ended when the block ends.

    For slow work beside writers, such as checking a password or counting the
    dashboard: on SQLite the transaction begins with a plain BEGIN and holds no write
    lock, so other requests' saves do not wait for it. Inside a transaction already
    begun, the block simply joins that one.
    """
    if db.session().in_transaction():
        yield
        return
    token = _reading.set(True)
    try:
        yield
    except BaseException:
        db.session.rollback()
        raise
    else:
        db.session.commit()
    finally:
        _reading.reset(token)


# SQLite reads the file through a memory map of up to this size: the workers then share
# the operating system's cache of it instead of copying pages into each connection's own
# (a full count over 100,000 applications: 160 ms with read(), 115 ms mapped).
SQLITE_MMAP_BYTES = 1 << 30


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """WAL, a busy timeout, foreign keys, a memory map, and write transactions begun immediately.

    pysqlite's own transaction handling is switched off so that we emit BEGIN
    ourselves: BEGIN IMMEDIATE for anything that may write (every request other
    than GET/HEAD/OPTIONS, and every CLI command), so a transaction that reads and
    then writes waits for the lock instead of failing with "database is locked".
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA mmap_size = {SQLITE_MMAP_BYTES}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        reading = _reading.get() or (has_request_context() and request.method in SAFE_METHODS)
        connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")


def init_database(app: Flask) -> None:
    """Bind the database and commit once at the end of each successful request."""
    db.init_app(app)
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            _configure_sqlite(engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])

    @app.after_request
    def _commit(response):
        if response.status_code >= 400:
            db.session.rollback()
            return response
        db.session.commit()
        return response


def include_in_autogenerate(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's filter: expression indexes are written into migrations by hand.

    Autogenerate can neither reflect nor compare them (and some exist on one
    database only), so it leaves them alone.
    """
    if type_ == "index" and not reflected:
        return all(isinstance(expression, Column) for expression in obj.expressions)
    return True
