"""Level 3's real job in a real browser, in Spanish and in English (issue #19):

thirty "VPN" tickets arrive by mail and the portal; a Level 1 agent declares a major incident
from one of them and links the rest from search; one update reaches all thirty requesters; the
portal's banner takes the next person's report without a new ticket; a Level 3 engineer opens a
problem, records the root cause and publishes the workaround; a new matching ticket shows it to
Level 1, who links and answers it in one step. Every page is reached through visible links.
"""

import re

import pytest
from playwright.sync_api import expect

from escala.people.models import Agent, Requester
from escala.problems.models import MajorIncident, Problem
from escala.tickets.choices import AuthorKind, Channel, MessageKind
from escala.tickets.models import Message, Ticket
from tests.browser.pages import sign_in
from tests.conftest import make_requester
from tests.tickets.factories import open_ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "es": {
        "problems": "Problemas",
        "queues": "Colas",
        "major": "Incidentes graves",
        "declare_from": "Declarar un incidente grave desde este ticket",
        "declare": "Declarar",
        "search": "Buscar",
        "link_selected": "Vincular los tickets seleccionados",
        "send_update": "Enviar la actualización",
        "sent": "Enviado a 30 tickets vinculados",
        "known_issue": "Incidencia conocida:",
        "affects_me": "A mí también me afecta",
        "thanks": "Gracias: sabemos que también le afecta",
        "open_problem": "Abrir un problema desde este ticket",
        "open_it": "Abrir el problema",
        "record_rc": "Registrar la causa raíz",
        "save_rc": "Guardar la causa raíz",
        "publish_wa": "Publicar una solución provisional",
        "publish": "Publicar",
        "published": "Solución provisional publicada",
        "known_error": "Error conocido",
        "answer": "Vincular y enviar la solución provisional",
        "answered": "respondido con su solución provisional",
    },
    "en": {
        "problems": "Problems",
        "queues": "Queues",
        "major": "Major incidents",
        "declare_from": "Declare a major incident from this ticket",
        "declare": "Declare",
        "search": "Search",
        "link_selected": "Link the selected tickets",
        "send_update": "Send the update",
        "sent": "Sent to 30 linked tickets",
        "known_issue": "Known issue:",
        "affects_me": "This affects me too",
        "thanks": "Thank you: we know it affects you too",
        "open_problem": "Open a problem from this ticket",
        "open_it": "Open the problem",
        "record_rc": "Record the root cause",
        "save_rc": "Save the root cause",
        "publish_wa": "Publish a workaround",
        "publish": "Publish",
        "published": "Workaround published",
        "known_error": "Known error",
        "answer": "Link and send the workaround",
        "answered": "answered with its workaround",
    },
}

VPN_SUBJECT = "VPN: no puedo conectar desde casa"
VPN_BODY = "La VPN corporativa da error de autenticación al conectar desde casa."


@pytest.mark.parametrize("lang", ["es", "en"])
def test_vpn_outage_from_major_incident_to_known_error(
    lang, new_page, shoot, internal_dept, customer, l1_agent, l3_engineer
):
    w = WORDS[lang]
    Agent.objects.filter(pk__in=[l1_agent.pk, l3_engineer.pk]).update(language=lang)
    Requester.objects.filter(pk=customer.pk).update(language=lang)
    affected = []
    for n in range(30):
        person = make_requester(f"Empleado{n} Prueba", internal_dept, kind="employee")
        channel = Channel.EMAIL if n % 3 == 0 else Channel.PORTAL
        affected.append(open_ticket(person, subject=VPN_SUBJECT, body=VPN_BODY, channel=channel))

    # Level 1 opens one of the tickets from the queue and declares the major incident from it.
    lucia = new_page()
    sign_in(lucia, "lucia")
    # Signed in, she lands on her own queue: routing gave her the Service Desk's tickets.
    lucia.get_by_role("link", name=VPN_SUBJECT).first.click()
    lucia.get_by_role("link", name=w["declare_from"]).click()
    lucia.fill("#id_title_es", "Acceso a la VPN desde casa")
    lucia.fill("#id_title_en", "VPN access from home")
    lucia.get_by_role("button", name=w["declare"], exact=True).click()
    lucia.wait_for_url(re.compile(r"/desk/problems/major/\d+/$"))  # declared: read it after
    incident = MajorIncident.objects.get()
    expect(lucia.locator("h1")).to_contain_text(incident.title(lang))

    # ...and links the other 29 from search, all at once.
    lucia.fill("#mi-q", "vpn")
    lucia.get_by_role("button", name=w["search"], exact=True).click()
    lucia.check("input[data-select-all]")
    lucia.get_by_role("button", name=w["link_selected"]).click()
    expect(lucia.locator("#linked-title + ul li")).to_have_count(30)
    assert incident.links.count() == 30
    shoot(lucia, f"problems-major-incident-{lang}")

    # One update reaches all thirty requesters.
    lucia.fill("#id_body_es", "Estamos renovando el certificado del concentrador VPN.")
    lucia.fill("#id_body_en", "We are renewing the VPN concentrator's certificate.")
    lucia.get_by_role("button", name=w["send_update"]).click()
    expect(lucia.locator(".flash").first).to_contain_text(w["sent"])
    answered = Message.objects.filter(
        ticket__in=affected, kind=MessageKind.REPLY, author_kind=AuthorKind.AGENT
    )
    assert answered.values("ticket").distinct().count() == 30

    # The next person reads the banner and says it affects them too: no new ticket.
    john = new_page()
    sign_in(john, "john")
    banner = john.locator(".known-issue-banner")
    expect(banner).to_contain_text(w["known_issue"])
    expect(banner).to_contain_text(incident.title(lang))
    shoot(john, f"problems-portal-banner-{lang}")
    tickets_before = Ticket.objects.count()
    banner.get_by_role("button", name=w["affects_me"]).click()
    expect(john.locator(".flash").first).to_contain_text(w["thanks"])
    assert Ticket.objects.count() == tickets_before
    assert incident.subscribers.filter(requester=customer).exists()

    # Level 1 raises a problem from a ticket: it belongs to Level 3, who works it from the
    # problems menu.
    lucia.get_by_role("link", name=affected[1].reference, exact=True).click()
    lucia.get_by_role("link", name=w["open_problem"]).click()
    lucia.get_by_role("button", name=w["open_it"]).click()
    lucia.wait_for_url(re.compile(r"/desk/problems/\d+/$"))  # opened: read it after
    problem = Problem.objects.get()
    elena = new_page()
    sign_in(elena, "elena")
    elena.get_by_role("link", name=w["problems"], exact=True).click()
    elena.get_by_role("link", name=problem.title).click()
    elena.click("#action-root_cause > summary")
    elena.fill("#id_root_cause", "El certificado del concentrador VPN caducó a las 9:00.")
    elena.get_by_role("button", name=w["save_rc"]).click()
    elena.click("#action-workaround > summary")
    elena.fill("#id_workaround_es", "Conéctese con el perfil «VPN-respaldo» hasta nuevo aviso.")
    elena.fill("#id_workaround_en", "Connect with the “VPN-backup” profile until further notice.")
    elena.get_by_role("button", name=w["publish"], exact=True).click()
    expect(elena.locator(".flash").first).to_contain_text(w["published"])  # then read it
    problem.refresh_from_db()
    assert problem.status == "known_error"
    shoot(elena, f"problems-known-error-{lang}")

    # A new matching ticket shows the workaround to Level 1, who answers it in one step.
    newcomer = make_requester("Nuevo Empleado", internal_dept, kind="employee")
    fresh = open_ticket(newcomer, subject="La VPN no conecta", body="Error al conectar la VPN")
    lucia.get_by_role("link", name=w["queues"], exact=True).click()
    lucia.get_by_role("link", name="La VPN no conecta").click()
    panel = lucia.locator("#known-error")
    expect(panel).to_contain_text(w["known_error"])
    expect(panel).to_contain_text("VPN-")
    shoot(lucia, f"problems-ticket-known-error-{lang}")
    panel.get_by_role("button", name=w["answer"]).click()
    expect(lucia.locator(".flash").first).to_contain_text(w["answered"])
    fresh.refresh_from_db()
    assert fresh.problem_link.problem_id == problem.pk
    assert fresh.messages.filter(body__contains="VPN-respaldo").exists()
