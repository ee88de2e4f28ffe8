"""The pages' Jinja environment: templates read the environment's globals, live."""

from workflow.templating import PageEnvironment


def test_templates_share_the_environments_globals(app):
    assert isinstance(app.jinja_env, PageEnvironment)
    page = app.jinja_env.from_string('{% from "macros/status.html" import status_tag %}{{ late }}')
    assert page.globals is app.jinja_env.globals
    app.jinja_env.globals["late"] = "added after the template was loaded"
    try:
        assert page.render() == "added after the template was loaded"
    finally:
        del app.jinja_env.globals["late"]


def test_a_templates_own_globals_overlay_the_environments(app):
    page = app.jinja_env.from_string("{{ hub_name }} {{ range(2) | list }}", globals={"hub_name": "NMPAT"})
    assert page.render() == "NMPAT [0, 1]"
    assert "hub_name" not in app.jinja_env.globals
