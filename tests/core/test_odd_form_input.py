"""No page answers a bad form with a 500.

The forms are found by reading the pages themselves (every <form method="post"> with its field
names), as a person or a script would; each is then posted with odd values in every field
(NUL and control characters, huge and negative numbers, impossible dates, very long text, a
header injection) and as broken multipart. Every answer must be below 500.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import Client

from escala.knowledge.choices import Visibility
from tests.knowledge.conftest import published_article
from tests.tickets.factories import open_ticket

ODD_VALUES = [
    "",
    "\x00",
    "line\r\nBcc: victim@example.com",
    "\x1b[31m\x07\x0b\x0c",
    "9" * 40,
    "-99999999999999999999",
    "1e309",
    "NaN",
    "2026-02-30",
    "99999-12-31T25:61",
    "0000-00-00",
    "<script>alert(1)</script>&'\"",
    "x" * 20_000,
]


class Forms(HTMLParser):
    """The post forms of a page: (action, field names)."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self.forms: list[tuple[str, set[str]]] = []
        self._current: tuple[str, set[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "form":
            if (a.get("method") or "get").lower() == "post":
                self._current = (a.get("action") or self.url, set())
                self.forms.append(self._current)
            else:
                self._current = None
        elif tag in ("input", "select", "textarea", "button") and self._current and a.get("name"):
            self._current[1].add(a["name"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def _forms(client: Client, url: str) -> list[tuple[str, set[str]]]:
    response = client.get(url)
    assert response.status_code < 500, url
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return []
    parser = Forms(url)
    parser.feed(response.content.decode())
    return [(action, names - {"csrfmiddlewaretoken"}) for action, names in parser.forms]


def _post_odd_values(client: Client, action: str, names: set[str]) -> list[tuple]:
    """The (action, input, status) of every answer that was a server error."""
    failures: list[tuple] = []
    if action.startswith(("http", "/accounts/logout", "/i18n/")):
        return failures
    for value in ODD_VALUES:
        data = {name: value for name in names}
        response = client.post(action, data)
        if response.status_code >= 500:
            failures.append((action, value[:40], response.status_code))
    for content_type, body in [
        ("multipart/form-data", b"--x\r\n"),
        ("multipart/form-data; boundary=", b"--\r\n"),
        ("application/x-www-form-urlencoded", b"subject=%ff%fe&body=%00"),
        ("text/plain", b"\xff\xfe\x00"),
    ]:
        response = client.generic("POST", action, body, content_type=content_type)
        if response.status_code >= 500:
            failures.append((action, content_type, response.status_code))
    return failures


@pytest.fixture
def world(employee, supervisor, l1_agent, categories, vendor, settings):
    settings.ESCALA_MAX_ATTACHMENT_BYTES = 1024
    ticket = open_ticket(employee, category=categories["password"])
    article = published_article(
        l1_agent,
        supervisor,
        visibility=Visibility.PUBLIC,
        category=categories["password"],
        es=("Cambiar la contraseña", "Abra **Ajustes**."),
        en=("Change the password", "Open **Settings**."),
    )
    return ticket, article


@pytest.mark.django_db
def test_no_desk_form_answers_odd_input_with_a_server_error(world, supervisor):
    ticket, article = world
    client = Client(raise_request_exception=False)
    client.force_login(supervisor.user)
    pages = [
        "/desk/",
        "/desk/new/",
        "/desk/away/",
        f"/desk/tickets/{ticket.pk}/",
        "/desk/kb/",
        "/desk/kb/new/",
        f"/desk/kb/{article.pk}/",
        f"/desk/kb/{article.pk}/edit/",
        f"/desk/kb/tickets/{ticket.pk}/",
        "/desk/mail/",
        "/desk/reports/",
        "/api/tokens/",
        "/api/webhooks/",
    ]
    seen: set[str] = set()
    failures = []
    for page in pages:
        for action, names in _forms(client, page):
            if action in seen:
                continue
            seen.add(action)
            failures += _post_odd_values(client, action, names)
    assert len(seen) > 10  # the pages' forms were found
    assert failures == [], "\n".join(map(str, failures))


@pytest.mark.django_db
def test_no_portal_form_answers_odd_input_with_a_server_error(world, employee):
    ticket, article = world
    client = Client(raise_request_exception=False)
    client.force_login(employee.user)
    seen: set[str] = set()
    failures = []
    for page in ["/", "/requests/new/", f"/requests/{ticket.pk}/", "/kb/", f"/kb/{article.pk}/"]:
        for action, names in _forms(client, page):
            if action not in seen:
                seen.add(action)
                failures += _post_odd_values(client, action, names)
    assert len(seen) >= 3
    assert failures == [], "\n".join(map(str, failures))


@pytest.mark.django_db
def test_odd_query_strings_on_the_lists_are_not_server_errors(world, supervisor):
    client = Client(raise_request_exception=False)
    client.force_login(supervisor.user)
    failures = []
    for page in [
        "/desk/",
        "/desk/kb/",
        "/desk/kb/tickets/",
        "/desk/reports/",
        "/kb/",
        "/desk/mail/",
    ]:
        for value in ODD_VALUES[1:] + ["[]", "{}", "%"]:
            query = {
                key: value
                for key in ("q", "page", "cursor", "status", "tier", "team", "since", "until")
                + ("from", "to", "period", "year", "week", "sort", "assignee", "organization")
            }
            response = client.get(page, query)
            if response.status_code >= 500:
                failures.append((page, value[:40], response.status_code))
    assert failures == [], "\n".join(map(str, failures))
