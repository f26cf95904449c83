"""Every role sees the menu of its pages on every page, and only links its targets honour."""

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

NAV = re.compile(r'<nav class="mainnav"[^>]*>(.*?)</nav>', re.S)
LINK = re.compile(r'<a href="([^"]+)" data-nav="([^"]+)"')


def _menu(client: Client, path: str) -> dict[str, str]:
    response = client.get(path)
    assert response.status_code == 200, path
    nav = NAV.search(response.content.decode())
    assert nav, f"{path} has no main menu"
    return {key: url for url, key in LINK.findall(nav.group(1))}


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_level_1_agent_has_the_console_menu_without_reports_dashboard_or_settings(l1_agent):
    menu = _menu(_signed_in(l1_agent.user), "/desk/")
    assert list(menu) == [
        "queues",
        "new",
        "search",
        "knowledge",
        "problems",
        "reports",
        "mail",
        "tokens",
    ]
    assert menu["reports"] == "/desk/reports/me/"


def test_a_supervisor_has_reports_and_an_admin_has_settings(supervisor, admin_user):
    assert _menu(_signed_in(supervisor.user), "/desk/")["reports"] == "/desk/reports/"
    admin_menu = _menu(_signed_in(admin_user), "/desk/")
    assert admin_menu["settings"] == "/admin/"


@pytest.mark.parametrize(
    "page", ["/desk/kb/", "/desk/kb/tickets/", "/desk/reports/", "/desk/mail/"]
)
def test_pages_outside_the_console_app_keep_the_menu(supervisor, page):
    menu = _menu(_signed_in(supervisor.user), page)
    assert "queues" in menu
    assert "knowledge" in menu


def test_every_link_shown_opens_for_the_user_who_sees_it(l1_agent, supervisor, admin_user):
    for user in (l1_agent.user, supervisor.user, admin_user):
        client = _signed_in(user)
        for key, url in _menu(client, "/desk/").items():
            assert client.get(url).status_code == 200, (user, key, url)


def test_links_not_shown_are_refused_by_their_pages(l1_agent, employee):
    agent = _signed_in(l1_agent.user)
    assert agent.get("/desk/reports/").status_code == 403
    assert agent.get("/admin/").status_code == 302  # the admin site's own sign-in
    requester = _signed_in(employee.user)
    menu = _menu(requester, "/")
    assert list(menu) == ["home", "new", "help"]
    assert requester.get("/desk/reports/").status_code == 404
    assert requester.get("/desk/mail/").status_code == 403


def test_the_current_page_is_marked_in_the_menu(supervisor):
    html = _signed_in(supervisor.user).get("/desk/kb/tickets/").content.decode()
    assert 'data-nav="search" aria-current="page"' in html
    assert 'data-nav="knowledge" aria-current' not in html


def test_anonymous_visitors_see_the_help_center(db):
    assert list(_menu(Client(), "/kb/")) == ["help"]


CURRENT = re.compile(r'data-nav="([^"]+)" aria-current="page"')


def _marked(client: Client, path: str) -> list[str]:
    response = client.get(path)
    assert response.status_code == 200, path
    return CURRENT.findall(response.content.decode())


def test_every_console_page_marks_its_own_entry_or_none(supervisor, employee):
    from tests.tickets.factories import open_ticket

    ticket = open_ticket(employee)
    client = _signed_in(supervisor.user)
    expected = {
        "/desk/": ["queues"],
        f"/desk/tickets/{ticket.pk}/": ["queues"],
        f"/desk/requesters/{employee.pk}/": ["queues"],
        "/desk/new/": ["new"],
        "/desk/kb/tickets/": ["search"],
        "/desk/kb/": ["knowledge"],
        "/desk/kb/new/": ["knowledge"],
        "/desk/problems/": ["problems"],
        "/desk/reports/": ["reports"],
        "/desk/mail/": ["mail"],
        "/api/tokens/": ["tokens"],
        # Not in the main menu: nothing there is marked, their own link in the user menu is.
        "/desk/settings/": ["reply_settings"],
        "/desk/canned/": ["canned"],
        "/desk/canned/new/": ["canned"],
        "/desk/notifications/": [],
        "/desk/notifications/preferences/": [],
        "/desk/find/?q=algo": [],
        "/accounts/security/": [],
    }
    for path, keys in expected.items():
        assert _marked(client, path) == keys, path


def test_every_portal_page_marks_its_own_entry_or_none(employee):
    from tests.tickets.factories import open_ticket

    ticket = open_ticket(employee)
    client = _signed_in(employee.user)
    expected = {
        "/": ["home"],
        f"/requests/{ticket.pk}/": ["home"],
        "/requests/new/": ["new"],
        "/kb/": ["help"],
        "/accounts/security/": [],
    }
    for path, keys in expected.items():
        assert _marked(client, path) == keys, path
