"""Major-incident pages: declare from a ticket, link from search in bulk, update, resolve; the
portal's banner and its "this affects me too"."""

from django.core.cache import cache
from django.urls import reverse

from escala.problems import major_incidents as mi
from escala.problems.models import MajorIncident
from tests.tickets.factories import open_ticket

VPN = dict(subject="No puedo conectar a la VPN", body="La VPN da error al conectar desde casa")


def test_declare_from_the_ticket_page_and_link_the_rest_in_bulk(login, l1_agent, employee):
    tickets = [open_ticket(employee, **VPN) for _ in range(3)]
    client = login(l1_agent.user)
    panel = client.get(reverse("problems:ticket_panel", args=[tickets[0].pk]))
    declare = reverse("problems:major_new") + f"?ticket={tickets[0].pk}"
    assert declare.replace("&", "&amp;").encode() in panel.content
    page = client.post(
        declare,
        {
            "title_es": "VPN caída",
            "title_en": "VPN down",
            "show_in_portal": "on",
            "ticket": tickets[0].pk,
        },
    )
    incident = MajorIncident.objects.get()
    assert page.status_code == 302
    detail = client.get(reverse("problems:major_detail", args=[incident.pk]) + "?q=vpn")
    for other in tickets[1:]:
        assert f'value="{other.pk}"'.encode() in detail.content
    client.post(
        reverse("problems:major_link", args=[incident.pk]),
        {"tickets": [t.pk for t in tickets[1:]]},
    )
    assert incident.links.count() == 3


def test_a_declaration_without_a_title_comes_back_with_its_error(login, l1_agent):
    page = login(l1_agent.user).post(reverse("problems:major_new"), {"title_es": ""})
    assert page.status_code == 400
    assert b"public title" in page.content
    assert not MajorIncident.objects.exists()


def test_an_empty_update_is_refused_and_a_real_one_reaches_everyone(login, l1_agent, employee):
    ticket = open_ticket(employee, **VPN)
    incident = mi.declare_major_incident(by=l1_agent.user, title_es="VPN", from_ticket=ticket)
    client = login(l1_agent.user)
    url = reverse("problems:major_update", args=[incident.pk])
    assert client.post(url, {"body_es": "", "body_en": ""}).status_code == 400
    done = client.post(url, {"body_es": "Reiniciando", "body_en": "Restarting"}, follow=True)
    assert b"Sent to 1 linked tickets" in done.content
    assert ticket.messages.filter(body="Reiniciando").exists()


def test_the_portal_shows_the_banner_and_takes_affects_me_too(
    login, l1_agent, customer, django_capture_on_commit_callbacks
):
    cache.clear()
    incident = mi.declare_major_incident(by=l1_agent.user, title_es="VPN caída", title_en="VPN")
    mi.post_major_incident_update(incident=incident, by=l1_agent.user, body_en="On it")
    portal = login(customer.user)
    home = portal.get(reverse("portal:home"))
    assert b"Known issue:" in home.content
    assert b"On it" in home.content
    button = reverse("known_issue_affects_me", args=[incident.pk])
    assert button.encode() in home.content
    done = portal.post(button, {"next": "https://evil.example/"})
    assert done.status_code == 302
    assert done["Location"] == "/"
    assert incident.subscribers.filter(requester=customer).exists()
    with django_capture_on_commit_callbacks(execute=True):  # the banner is forgotten at commit
        mi.resolve_major_incident(incident=incident, by=l1_agent.user, body_es="Arreglado")
    assert b"Known issue:" not in portal.get(reverse("portal:home")).content


def test_an_agent_reaches_major_incidents_from_the_problems_page(login, l1_agent):
    page = login(l1_agent.user).get(reverse("problems:list"))
    assert reverse("problems:major_list").encode() in page.content
