"""Every action in the policy table has a route, and every route has its actions or a reason."""

from workflow.policy import POLICY

from ..policy_routes import ASK_NOTHING, ROUTES, WITHOUT_A_ROUTE


def endpoints(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}


def test_every_action_has_a_route_or_a_reason():
    assert set(ROUTES) | set(WITHOUT_A_ROUTE) == set(POLICY)
    assert not set(ROUTES) & set(WITHOUT_A_ROUTE)


def test_every_route_asks_for_an_action_or_is_open(app):
    paired = {endpoint for listed in ROUTES.values() for endpoint in listed}
    assert paired <= endpoints(app), paired - endpoints(app)
    assert endpoints(app) == paired | ASK_NOTHING, endpoints(app) ^ (paired | ASK_NOTHING)
    assert not paired & ASK_NOTHING
