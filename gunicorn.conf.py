"""gunicorn's settings for Consort: `gunicorn -c gunicorn.conf.py wsgi:app`.

The app is imported and every template compiled once in the master process, so each
worker (and each worker that replaces one recycled by `max_requests`) starts warm;
each worker then opens its own database connections. What the master has loaded is then
frozen out of the garbage collector's reach (`gc.freeze()`): the collector no longer walks
those objects in every worker, and walking them no longer copies their memory pages.
"""

import gc
import os

bind = os.environ.get("CONSORT_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1)))
max_requests = 500  # returns the memory WeasyPrint takes while rendering letters
max_requests_jitter = 50
preload_app = True


def when_ready(server):
    """Compile the templates before the first worker forks, then freeze what is loaded."""
    app = server.app.wsgi()
    for name in app.jinja_env.list_templates(filter_func=lambda name: name.endswith((".html", ".txt"))):
        app.jinja_env.get_template(name)
    gc.collect()
    gc.freeze()


def post_fork(server, worker):
    """Leave the master's connection pool to the master."""
    app = server.app.wsgi()
    if "sqlalchemy" in app.extensions:
        with app.app_context():
            app.extensions["sqlalchemy"].engine.dispose(close=False)
