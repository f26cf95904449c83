"""With the worker's relay (the default in production) and no worker running, a requester who
sends a new request lands on its page already routed: the request left routing, clocks and the
receipt to the worker, and the page it redirects to relays them (docs/decisions/0021)."""

import pytest
from playwright.sync_api import expect

from escala.people.models import Requester
from escala.tickets.choices import Status
from escala.tickets.models import QueuedEvent, Ticket

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

IN_PROGRESS = {"es": "En curso", "en": "In progress"}


@pytest.mark.parametrize("lang", ["es", "en"])
def test_a_new_request_is_shown_routed_on_the_page_after_sending_it(
    lang, settings, new_page, shoot, employee, l1_agent, categories
):
    settings.ESCALA_EVENT_RELAY = "worker"
    l1_agent.skills.add(categories["password"].specialty)
    Requester.objects.filter(pk=employee.pk).update(language=lang)
    page = new_page()
    page.goto("/accounts/login/")
    page.fill("#id_username", "marta")
    page.fill("#id_password", "pw")
    page.click(".login-card button[type=submit]")
    page.click("a[href='/requests/new/']  >> nth=-1")
    page.select_option("#id_category", str(categories["password"].pk))
    page.fill("#id_subject", "No puedo entrar al correo")
    page.fill("#id_description", "Olvidé mi contraseña.")
    page.click("form.card button[type=submit]")
    expect(page.locator(".badge")).to_have_text(IN_PROGRESS[lang])
    shoot(page, f"{lang}-submit-routed")
    ticket = Ticket.objects.get()
    assert ticket.assignee == l1_agent
    assert ticket.status == Status.OPEN
    assert not QueuedEvent.objects.exists()
