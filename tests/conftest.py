"""Personas shared by every test: the desk of SCENARIOS.md in miniature."""

import contextlib
import importlib
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.utils import translation

from escala.api.tokens import forget_tokens
from escala.core import clock, memo
from escala.people.choices import OrganizationKind, RequesterKind
from escala.people.models import Agent, Organization, Requester
from escala.tickets import events
from escala.tiers.models import Category, Specialty, SupportTier, Team, Vendor

User = get_user_model()

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make around
# it are still plain synchronous calls. One Playwright per session: a second sync_playwright()
# in the same thread fails, so every browser test shares this fixture.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not os.path.exists(CHROMIUM):
        message = f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker) -> Iterator[None]:
    """pytest-django's, plus: before the test database is dropped, end the connections that
    live-server threads left open, which PostgreSQL refuses to drop a database under."""
    yield
    from django.db import DatabaseError, connection

    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            return
        # A fresh session of our own: the one we held may itself have been ended by a test
        # that cleans up after its live server the same way.
        connection.close()
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
        except DatabaseError:  # cleanup only: the drop that follows says what is wrong, if anything
            connection.close()


class FrozenClock:
    """An injectable clock: tests move time on by hand, nothing sleeps."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **kwargs: float) -> datetime:
        self.current += timedelta(**kwargs)
        return self.current


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    # The real hasher is slow by design; tests create many users and never attack them.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def forget_banner() -> None:
    """The portal's known-issue banner lives in the cache: another test's must not show."""
    from django.core.cache import cache

    from escala.problems.banner import KEY

    cache.delete(KEY)


@pytest.fixture(autouse=True)
def _fresh_configuration() -> Iterator[None]:
    # A test's rolled-back transaction sends no delete signals: forget the tiers and teams it read.
    memo.forget_config()
    forget_tokens()
    forget_banner()
    yield
    memo.forget_config()
    forget_tokens()
    forget_banner()


@pytest.fixture(autouse=True)
def _no_real_dns() -> Iterator[None]:
    # Sender checks of inbound mail never ask a real name server in tests (tests/mail installs
    # a fake one with real keys); an empty one answers "no such record".
    from escala.mail import authn

    with authn.resolver(lambda name: None):
        yield


@pytest.fixture(autouse=True)
def _events_inline(settings) -> None:
    # Listeners run right after each commit, as with ESCALA_EVENT_RELAY=inline: a test of a
    # service sees its consequences. tests/tickets/test_relay.py covers the worker's relay.
    settings.ESCALA_EVENT_RELAY = "inline"


@pytest.fixture(params=["inline", "worker"])
def committed(request, settings, django_capture_on_commit_callbacks):
    """`with committed(): action(...)` runs the after-commit listeners (clocks, routing,
    triggers) as a real commit would: right after it ("inline"), or through the worker's relay
    of the queued events ("worker", the default outside tests). Each test runs both ways."""
    settings.ESCALA_EVENT_RELAY = request.param

    @contextlib.contextmanager
    def run():
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            yield callbacks
        if request.param == "worker":
            with django_capture_on_commit_callbacks(execute=True):
                events.relay_all()

    return run


@pytest.fixture(autouse=True)
def _english_unless_told() -> Iterator[None]:
    # Messages are asserted in English; tests about Spanish switch with translation.override.
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _seeded_levels(request) -> None:
    """Any test that touches the database finds the four levels a migration seeds, even after a
    transactional test before it flushed every table."""
    uses_db = request.node.get_closest_marker("django_db") is not None or bool(
        {"db", "transactional_db", "live_server"} & set(request.fixturenames)
    )
    if uses_db:
        request.getfixturevalue("tiers")


@pytest.fixture
def frozen_clock() -> Iterator[FrozenClock]:
    fake = FrozenClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    clock.set_clock(fake)
    yield fake
    clock.reset_clock()


@pytest.fixture
def tiers(db) -> dict[int, SupportTier]:
    if not SupportTier.objects.exists():
        # Transactional tests flush the tables, seed rows included: put the levels back.
        seed = importlib.import_module("escala.tiers.migrations.0002_seed_levels").seed
        seed(django_apps, None)
    return {t.level: t for t in SupportTier.objects.all()}


def _specialty(code: str) -> Specialty:  # after `tiers`, which seeds the specialties
    return Specialty.objects.get(code=code)


@pytest.fixture
def teams(tiers) -> dict[str, Team]:
    made = {}
    for name, level, specialty in [
        ("Service Desk", 1, "accounts"),
        ("Networks", 2, "networks"),
        ("Information Systems", 2, "information-systems"),
        ("Databases", 2, "databases"),
        ("Engineering", 3, "information-systems"),
    ]:
        team = Team.objects.create(name=name, tier=tiers[level])
        team.specialties.add(_specialty(specialty))
        made[name] = team
    made["Engineering"].specialties.add(_specialty("networks"), _specialty("databases"))
    return made


@pytest.fixture
def categories(tiers, teams) -> dict[str, Category]:
    return {
        "password": Category.objects.create(
            code="password-reset",
            name_en="Password reset",
            name_es="Restablecer contraseña",
            tier=tiers[1],
            team=teams["Service Desk"],
            specialty=_specialty("accounts"),
        ),
        "connectivity": Category.objects.create(
            code="connectivity",
            name_en="Connectivity",
            name_es="Conectividad",
            tier=tiers[1],
            team=teams["Service Desk"],
            specialty=_specialty("networks"),
        ),
        "erp": Category.objects.create(
            code="erp",
            name_en="ERP",
            name_es="ERP",
            tier=tiers[1],
            team=teams["Service Desk"],
            specialty=_specialty("information-systems"),
        ),
        "database": Category.objects.create(
            code="database",
            name_en="Database",
            name_es="Base de datos",
            tier=tiers[2],
            team=teams["Databases"],
            specialty=_specialty("databases"),
        ),
    }


@pytest.fixture
def vendor(tiers) -> Vendor:
    return Vendor.objects.create(
        name="ERP Vendor S.A.",
        support_email="support@erp-vendor.example",
        contract_reference="CT-2026-17",
        response_time=timedelta(hours=4),
        resolution_time=timedelta(days=5),
    )


def make_agent(username: str, *team_list: Team, supervisor: bool = False) -> Agent:
    user = User.objects.create_user(
        username, f"{username}@escala.example", "pw", first_name=username.title()
    )
    agent = Agent.objects.create(user=user, is_supervisor=supervisor)
    agent.teams.set(team_list)
    return agent


@pytest.fixture
def l1_agent(teams) -> Agent:
    return make_agent("lucia", teams["Service Desk"])


@pytest.fixture
def l1_colleague(teams) -> Agent:
    return make_agent("pablo", teams["Service Desk"])


@pytest.fixture
def l2_network_agent(teams) -> Agent:
    return make_agent("nuria", teams["Networks"])


@pytest.fixture
def l2_is_agent(teams) -> Agent:
    return make_agent("iker", teams["Information Systems"])


@pytest.fixture
def l2_db_specialist(teams) -> Agent:
    return make_agent("dolores", teams["Databases"])


@pytest.fixture
def l3_engineer(teams) -> Agent:
    return make_agent("elena", teams["Engineering"])


@pytest.fixture
def supervisor(teams) -> Agent:
    return make_agent("sara", teams["Service Desk"], supervisor=True)


@pytest.fixture
def admin_user(db):
    return User.objects.create_superuser("admin", "admin@escala.example", "pw")


@pytest.fixture
def internal_dept(db) -> Organization:
    return Organization.objects.create(name="Finanzas", kind=OrganizationKind.DEPARTMENT)


@pytest.fixture
def customer_org(db) -> Organization:
    return Organization.objects.create(
        name="Fibra Rápida S.L.", kind=OrganizationKind.CUSTOMER, email_domain="fibrarapida.example"
    )


def make_requester(name: str, org: Organization, *, kind: str, manager: bool = False) -> Requester:
    username = name.split()[0].lower()
    user = User.objects.create_user(username, f"{username}@{org.pk}.example", "pw")
    return Requester.objects.create(
        user=user,
        name=name,
        email=f"{username}@{org.pk}.example",
        kind=kind,
        organization=org,
        is_manager=manager,
    )


@pytest.fixture
def employee(internal_dept) -> Requester:
    return make_requester("Marta Gómez", internal_dept, kind=RequesterKind.EMPLOYEE)


@pytest.fixture
def customer(customer_org) -> Requester:
    return make_requester("John Smith", customer_org, kind=RequesterKind.CUSTOMER)


@pytest.fixture
def customer_colleague(customer_org) -> Requester:
    return make_requester("Ana Ruiz", customer_org, kind=RequesterKind.CUSTOMER)


@pytest.fixture
def customer_manager(customer_org) -> Requester:
    return make_requester("Carlos Jefe", customer_org, kind=RequesterKind.CUSTOMER, manager=True)
