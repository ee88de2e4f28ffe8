"""`next` never leads off the site: one `safe_next` for every page that reads it.

The unit tests give `safe_next` every spelling of another site a browser understands.
The end-to-end tests send each of them to every route that reads `next` (ROUTES, kept
complete by `test_every_route_reading_next_is_listed`): no Location header, link or
field drawn from it may lead anywhere but a path on this site.
"""

import ast
import inspect
import re
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import unquote, urlsplit

import pyotp
import pytest

import workflow
from workflow.accounts.models import Role
from workflow.accounts.sessions import safe_next
from workflow.accounts.two_factor import enable_two_factor

from ..account_helpers import emails, forget_user, link_in
from ..conftest import PASSWORD

HOST = "evil.example"
ATTACKS = [
    f"//{HOST}", f"///{HOST}", f"/\\{HOST}/x", f"\\\\{HOST}", f"\\/{HOST}", f"/\\/{HOST}",
    f"/%2F%2F{HOST}", f"%2F%2F{HOST}", f"/%2f/{HOST}", f"/%5C{HOST}", f"/%5c%5c{HOST}", f"/%252F%252F{HOST}",
    f" //{HOST}", f"\t//{HOST}", f"/\t/{HOST}", f"/\n/{HOST}", f"\n//{HOST}", f"/\r/{HOST}", f"/\x00/{HOST}",
    f"/ /{HOST}", f"/\u2028/{HOST}",
    f"https://{HOST}/x", f"HTTP://{HOST}", f"http:{HOST}", f"https:/{HOST}", f"javascript:alert('{HOST}')",
    f"JavaScript:alert('{HOST}')", f"data:text/html,{HOST}", f"{HOST}/x", f"@{HOST}",
]
LOCAL = [
    "/", "/applications", "/applications/3?x=1", "/applications?hub=northamptonshire", "/office?state=submitted&page=2",
    "/organisation?next=/applications?hub%3Dnorthamptonshire", "/applications/3/sections/offer#answers",
    "/applications/3?back=%2F%2Fsomewhere", "/a:b",
]


@pytest.mark.parametrize("target", ATTACKS + ["", None, "applications/3"])
def test_safe_next_refuses_anything_but_a_local_path(target):
    assert safe_next(target) is None


@pytest.mark.parametrize("target", LOCAL)
def test_safe_next_keeps_a_local_path_with_its_query(target):
    assert safe_next(target) == target


# -- End to end ------------------------------------------------------------------------------


def is_local(url: str) -> bool:
    """A path on this site, however a browser reads it."""
    parts = urlsplit(url)
    return (
        url.startswith("/") and not url.startswith(("//", "/\\")) and not parts.scheme and not parts.netloc
        and not any(c == "\\" or c.isspace() or not c.isprintable() for c in url)
    )


def decoded(text: str) -> str:
    while unquote(text) != text:
        text = unquote(text)
    return text


class Links(HTMLParser):
    """Every address a page links or posts to, and the values of its `next` fields."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.addresses: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("href", "action", "formaction", "src"):
            if attrs.get(name):
                self.addresses.append(attrs[name])
        if tag == "input" and attrs.get("name") == "next":
            self.addresses.append(attrs.get("value") or "")


def assert_stays_on_site(response, where):
    """No way to the attacker's host: not in the Location, the page or any link; those drawn from `next` are local."""
    location = response.headers.get("Location")
    if location is not None:
        assert is_local(location), (where, location)
        assert HOST not in decoded(location), (where, location)
    if response.mimetype == "text/html":
        page = response.get_data(as_text=True)
        assert HOST not in decoded(page), where
        for address in Links(page).addresses:
            assert is_local(address) or address.startswith(("#", "https://", "mailto:")), (where, address)


@pytest.fixture()
def site(app, db, client, login, make_user, organisation, applicant):
    """People in each state a route that reads `next` may meet them in."""
    enrolled = make_user(Role.OFFICER, name="Enrolled Officer")
    secret = pyotp.random_base32()
    recovery = enable_two_factor(enrolled, secret, pyotp.TOTP(secret).now())
    db.session.commit()
    return SimpleNamespace(
        app=app, db=db, client=client, login=login, organisation=organisation, applicant=applicant,
        enrolled=enrolled, recovery=recovery, newcomer=make_user(Role.OFFICER, name="New Officer"),
    )


def fresh(site):
    forget_user()
    return site.app.test_client()


def password_step(client, user, attack=None):
    forget_user()
    query = {} if attack is None else {"next": attack}
    return client.post("/sign-in", query_string=query, data={"email": user.email, "password": PASSWORD})


def sign_in(site, attack):
    """The page, then the password: an applicant goes in; staff go on to the second step, enrolled or not."""
    yield "page", fresh(site).get("/sign-in", query_string={"next": attack})
    for user in (site.applicant, site.enrolled, site.newcomer):
        yield user.name, password_step(fresh(site), user, attack)


def sign_in_by_link(site, attack):
    for user in (site.applicant, site.enrolled):
        client = fresh(site)
        client.post("/sign-in/link", data={"email": user.email})
        link = link_in(emails("sign_in_link", user.email)[-1])
        forget_user()
        yield user.name, client.post(link, query_string={"next": attack})


def two_factor(site, attack):
    """The code page, the code, the page again once done; and someone not enrolled is sent to enrol."""
    client = fresh(site)
    password_step(client, site.enrolled)
    forget_user()
    yield "page", client.get("/sign-in/two-factor", query_string={"next": attack})
    forget_user()
    yield "code", client.post("/sign-in/two-factor", query_string={"next": attack}, data={"code": site.recovery[0]})
    forget_user()
    yield "done already", client.get("/sign-in/two-factor", query_string={"next": attack})
    newcomer = fresh(site)
    password_step(newcomer, site.newcomer)
    forget_user()
    yield "not enrolled", newcomer.get("/sign-in/two-factor", query_string={"next": attack})


def two_factor_setup(site, attack):
    """The setup page, then its code, answered with the recovery codes and a link on; someone enrolled is sent to the code."""
    client = fresh(site)
    password_step(client, site.newcomer)
    forget_user()
    page = client.get("/account/two-factor", query_string={"next": attack})
    yield "page", page
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page.get_data(as_text=True)).group(1)
    forget_user()
    codes = client.post("/account/two-factor", query_string={"next": attack}, data={"code": pyotp.TOTP(secret).now()})
    assert "I have saved my recovery codes" in codes.get_data(as_text=True)
    yield "recovery codes", codes
    enrolled = fresh(site)
    password_step(enrolled, site.enrolled)
    forget_user()
    yield "enrolled", enrolled.get("/account/two-factor", query_string={"next": attack})


def confirm_password(site, attack):
    client = fresh(site)
    password_step(client, site.applicant)
    forget_user()
    yield "page", client.get("/confirm-password", query_string={"next": attack})
    forget_user()
    yield "password", client.post("/confirm-password", query_string={"next": attack}, data={"password": PASSWORD})


def resend_verification(site, attack):
    site.applicant.email_verified_at = None
    site.db.session.commit()
    client = site.login(site.applicant, fresh(site))
    yield "post", client.post("/account/verify-email", data={"next": attack})


def organisation_profile(site, attack):
    """The page (its Back link and `next` field), a refused save, and a save by the query and by the field."""
    client = site.login(site.applicant, fresh(site))
    profile = {name: value or "" for name, value in site.organisation.profile().items()}
    for url in ("/organisation", f"/organisation/{site.organisation.id}"):
        forget_user()
        page = client.get(url, query_string={"next": attack})
        assert 'class="govuk-back-link"' in page.get_data(as_text=True)
        yield f"page {url}", page
        forget_user()
        refused = client.post(url, query_string={"next": attack}, data=profile | {"name": ""})
        assert refused.status_code == 200
        yield f"refused {url}", refused
        forget_user()
        yield f"saved {url}", client.post(url, query_string={"next": attack}, data=profile)
        forget_user()
        yield f"saved by the field {url}", client.post(url, data=profile | {"next": attack})


ROUTES = {
    "accounts.sign_in": sign_in,
    "accounts.sign_in_by_link": sign_in_by_link,
    "accounts.two_factor": two_factor,
    "accounts.two_factor_setup": two_factor_setup,
    "accounts.confirm_password": confirm_password,
    "accounts.resend_verification": resend_verification,
    "organisations.profile": organisation_profile,
}


@pytest.mark.parametrize("attack", ATTACKS)
@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_no_route_follows_next_off_the_site(site, endpoint, attack):
    answers = list(ROUTES[endpoint](site, attack))
    assert answers
    for what, response in answers:
        assert response.status_code < 400, (endpoint, what, response.status_code)
        assert_stays_on_site(response, (endpoint, what, attack))


def test_a_local_next_is_followed(site):
    """The same routes do go where a local `next` says (so the tests above test something)."""
    target = "/applications?x=1"
    assert password_step(fresh(site), site.applicant, target).headers["Location"] == target
    client = site.login(site.applicant, fresh(site))
    page = client.get("/organisation", query_string={"next": target}).get_data(as_text=True)
    assert 'href="/applications?x=1"' in page and 'name="next" value="/applications?x=1"' in page


# -- Every route that reads `next` is listed above -------------------------------------------

# Functions that hold the word "next" without reading it from the request.
NOT_READING = {("workflow.reviews.views", "_pagination")}  # the pagination component's "next" link


def functions_of(path: Path):
    tree = ast.parse(path.read_text())
    return [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)]


def next_readers() -> set[tuple[str, str]]:
    """(module, name) of the functions in workflow/ that use the string "next", or call one that does
    (a call resolved in its own module first, else by name in any)."""
    package = Path(workflow.__file__).parent
    readers, calls = set(), {}
    for path in package.rglob("*.py"):
        module = ".".join(path.relative_to(package.parent).with_suffix("").parts)
        for function in functions_of(path):
            nodes = list(ast.walk(function))
            calls[module, function.name] = {n.func.id for n in nodes if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
            if (module, function.name) not in NOT_READING and any(isinstance(n, ast.Constant) and n.value == "next" for n in nodes):
                readers.add((module, function.name))
    defined = set(calls)

    def reads(module, called):
        return (module, called) in readers or ((module, called) not in defined and called in {name for _, name in readers})

    while more := {key for key, called in calls.items() if key not in readers and any(reads(key[0], c) for c in called)}:
        readers |= more
    return readers


def test_every_route_reading_next_is_listed(app):
    readers = next_readers()
    reading = {
        endpoint for endpoint, view in app.view_functions.items()
        if (inspect.unwrap(view).__module__, inspect.unwrap(view).__name__) in readers
    }
    assert reading == set(ROUTES), f"list the routes reading `next` in ROUTES: {sorted(reading ^ set(ROUTES))}"


def test_no_template_reads_next_from_the_request():
    templates = Path(workflow.__file__).parent.parent / "templates"
    reading = [
        str(path) for path in templates.rglob("*.html")
        if re.search(r"request\.(args|form|values)\b[^}]*next", path.read_text())
    ]
    assert not reading, reading
