"""In a real browser: a resolution found at Level 3 becomes a published article, which then
appears as a suggestion on a new, similar Level 1 ticket and goes into the reply."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.tickets.factories import open_ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def signed_in(browser, live_server, username):
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(live_server.url + reverse("login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw")
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return page


def test_a_level_3_resolution_is_suggested_on_a_new_level_1_ticket(
    browser, live_server, vpn_outage_resolved_at_l3, l3_engineer, supervisor, l1_agent, customer
):
    # Level 3 turns the resolution into a draft and completes the English version.
    engineer = signed_in(browser, live_server, l3_engineer.user.username)
    ticket_url = reverse("desk_kb:ticket", args=[vpn_outage_resolved_at_l3.pk])
    engineer.goto(live_server.url + ticket_url)
    engineer.click(
        f"form[action='{reverse('desk_kb:from_ticket', args=[vpn_outage_resolved_at_l3.pk])}'] "
        "button"
    )
    engineer.wait_for_url("**/edit/")
    assert "subido a 8 horas" in engineer.input_value("#id_body_es")
    engineer.fill("#id_title_en", "VPN disconnects every ten minutes")
    engineer.fill(
        "#id_body_en",
        "## Solution\n\nThe VPN concentrator idle timeout was raised to 8 hours. "
        "Reconnect the **VPN client**.",
    )
    engineer.click("#kb-article-form button[type=submit]")
    engineer.click("button[name=to][value=in_review]")
    assert engineer.text_content("#kb-state").strip() in ("In review", "En revisión")
    article_url = engineer.url

    # A reviewer publishes it.
    reviewer = signed_in(browser, live_server, supervisor.user.username)
    reviewer.goto(article_url)
    reviewer.click("button[name=to][value=published]")
    assert reviewer.text_content("#kb-state").strip() in ("Published", "Publicado")

    # Next month a customer writes about the same thing; Level 1 sees the article and uses it.
    new = open_ticket(
        customer,
        subject="VPN keeps disconnecting",
        body="Working from home, my VPN session drops every ten minutes.",
    )
    assert new.tier.level == 1
    agent = signed_in(browser, live_server, l1_agent.user.username)
    agent.goto(live_server.url + reverse("desk_kb:ticket", args=[new.pk]))
    suggestion = agent.locator("#kb-suggestions .kb-hit").first
    assert "VPN" in suggestion.text_content()
    agent.fill("#reply-body", "Hello John,")
    suggestion.locator("button").click()
    # John writes in Spanish (his profile's language): the Spanish version goes in.
    # A locator assertion, not wait_for_function: the page's CSP forbids evaluating strings.
    expect(agent.locator("#reply-body")).to_have_value(re.compile("concentrador VPN"))
    assert agent.input_value("#reply-body").startswith("Hello John,")
