"""The tier dashboard on demo data, as a supervisor sees it: styled by escala.css (the CSP allows
no inline styles), charts at a readable size on a desktop and a phone, and a print layout.
Screenshots go to test-artifacts/screenshots/reports-dashboard*.png."""

import pytest
from django.core.management import call_command

from escala.knowledge.actions import record_deflection
from escala.knowledge.models import Deflection
from escala.people.models import Requester
from escala.reports.queries import Filters
from tests.knowledge.conftest import published_article

pytestmark = pytest.mark.browser

PASSWORD = "demo-pass-for-tests"


@pytest.fixture
def demo_desk(settings, tiers, django_capture_on_commit_callbacks):
    settings.ESCALA_DEMO_PASSWORD = PASSWORD
    call_command("demo", tickets=400, days=90, verbosity=0)
    call_command("sla_rebuild", defaults=True, verbosity=0)
    call_command("reports_rebuild", verbosity=0)
    from escala.people.models import Agent

    lucia = Agent.objects.get(user__username="lucia")
    sara = Agent.objects.get(user__username="sara")
    vpn = published_article(
        lucia,
        sara,
        es=("Conectarse a la VPN desde casa", "Abre el cliente VPN."),
        en=("Connect to the VPN from home", "Open the VPN client."),
    )
    printer = published_article(
        lucia,
        sara,
        es=("La impresora no imprime", "Apágala y vuelve a encenderla."),
        en=("The printer does not print", "Switch it off and on again."),
    )
    requesters = list(Requester.objects.select_related("user")[:5])
    for i, requester in enumerate(requesters):
        record_deflection(article=vpn if i % 3 else printer, by=requester.user, query="no va")
    sara.language = "en"
    sara.save(update_fields=["language"])
    return sara


def signed_in(new_page, supervisor, **size):
    page = new_page(**size)
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto("/accounts/login/")
    page.fill("input[name=username]", supervisor.user.username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form [type=submit]").last.click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return page, errors


def test_the_dashboard_on_demo_data_reads_well_on_screen_phone_and_paper(
    new_page, shoot, demo_desk
):
    page, errors = signed_in(new_page, demo_desk)
    page.goto("/desk/reports/?period=90")
    assert page.locator("#sla tbody tr").count() > 6  # clocks per kind, and per tier
    # The demo's own deflections and the five above, all counted (the first row is every article).
    period = Filters.last_days(90)
    in_period = Deflection.objects.filter(
        created_at__gte=period.since, created_at__lt=period.until
    ).count()
    assert in_period >= 5
    shown = page.locator("#deflections tbody tr").first.locator("td").nth(2).inner_text()
    assert int(shown) == in_period
    # The stylesheet applies (the inline <style> the CSP dropped is gone): charts keep a
    # readable size instead of filling the page.
    for chart in page.locator("svg.chart").all():
        box = chart.bounding_box()
        assert box is not None
        assert 200 < box["width"] <= 660
        assert box["height"] < 300
    assert (
        page.locator(".reports .card").first.evaluate("el => getComputedStyle(el).borderTopStyle")
        == "solid"
    )
    assert not [e for e in errors if "Content Security Policy" in e], errors
    shoot(page, "reports-dashboard")

    page.emulate_media(media="print")
    assert page.locator("form.filters").is_hidden()
    assert page.locator(".topbar").is_hidden()
    shoot(page, "reports-dashboard-print")

    phone, _errors = signed_in(new_page, demo_desk, width=390, height=844)
    phone.goto("/desk/reports/?period=90")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, width  # nothing pushes the page wider than the phone
    shoot(phone, "reports-dashboard-phone")
