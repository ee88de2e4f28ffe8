"""The Jinja environment of the pages."""

from flask import Flask
from flask.templating import Environment


class PageEnvironment(Environment):
    """Flask's environment, with templates that read the environment's globals directly.

    Jinja gives each template a ChainMap of its own globals over the environment's,
    and every `{% from ... import ... %}` compares those keys with the page's, key by key:
    a form page runs two dozen imports, and the comparisons were a fifth of its Python calls.
    A template loaded without globals of its own (every template here) now shares the
    environment's dict itself, which is what the ChainMap would have read through to.
    """

    def make_globals(self, d):
        if not d:
            return self.globals
        return super().make_globals(d)


class Consort(Flask):
    """The Flask app class, with the pages' environment."""

    jinja_environment = PageEnvironment
