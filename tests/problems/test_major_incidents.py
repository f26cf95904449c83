"""Major incidents: the VPN is down at 9:00 and two hundred people write in."""

import pytest

from escala.core.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from escala.mail.choices import NotificationKind
from escala.mail.models import Outbox
from escala.problems import major_incidents as mi
from escala.problems.choices import MajorIncidentEventKind, MajorIncidentStatus
from escala.problems.models import MajorIncidentTicket
from escala.problems.queries import (
    active_major_incidents_for_portal,
    major_incidents_for_ticket,
    related_to_major_incident,
)
from escala.tickets.choices import AuthorKind, MessageKind, Status
from tests.conftest import make_requester
from tests.tickets.factories import open_ticket

VPN = dict(subject="No puedo conectar a la VPN", body="La VPN da error al conectar desde casa")


@pytest.fixture
def english_customer(customer_org):
    person = make_requester("John Smith", customer_org, kind="customer")
    person.language = "en"
    person.save()
    return person


@pytest.fixture
def flood(employee, english_customer):
    return [open_ticket(employee, **VPN), open_ticket(english_customer, **VPN)]


def test_declaring_from_a_ticket_links_it(l1_agent, flood):
    incident = mi.declare_major_incident(
        by=l1_agent.user, title_es="VPN caída", title_en="VPN down", from_ticket=flood[0]
    )
    assert incident.status == MajorIncidentStatus.ACTIVE
    assert list(incident.links.values_list("ticket_id", flat=True)) == [flood[0].pk]
    kinds = list(incident.events.values_list("kind", flat=True))
    assert kinds == [MajorIncidentEventKind.DECLARED, MajorIncidentEventKind.TICKET_LINKED]


def test_a_title_is_required_and_one_language_is_copied_to_the_other(l1_agent):
    with pytest.raises(ValidationFailed) as refused:
        mi.declare_major_incident(by=l1_agent.user, title_es=" ", title_en="")
    assert refused.value.field == "title_es"
    made = mi.declare_major_incident(by=l1_agent.user, title_es="VPN caída\r\nBcc: x")
    assert (made.title_es, made.title_en) == ("VPN caída Bcc: x", "VPN caída Bcc: x")


def test_a_requester_cannot_declare(employee):
    with pytest.raises(Forbidden):
        mi.declare_major_incident(by=employee.user, title_es="x")


def test_bulk_linking_is_all_or_nothing(l1_agent, flood):
    first = mi.declare_major_incident(by=l1_agent.user, title_es="VPN", from_ticket=flood[0])
    second = mi.declare_major_incident(by=l1_agent.user, title_es="Otra")
    with pytest.raises(ValidationFailed):
        mi.link_to_major_incident(incident=second, tickets=flood, by=l1_agent.user)
    assert second.links.count() == 0
    mi.link_to_major_incident(incident=first, tickets=flood, by=l1_agent.user)
    assert first.links.count() == 2


def test_one_update_reaches_every_linked_requester_in_their_language(l1_agent, flood):
    incident = mi.declare_major_incident(by=l1_agent.user, title_es="VPN caída", title_en="VPN")
    mi.link_to_major_incident(incident=incident, tickets=flood, by=l1_agent.user)
    reach = mi.post_major_incident_update(
        incident=incident,
        by=l1_agent.user,
        body_es="Estamos reiniciando el concentrador.",
        body_en="We are restarting the concentrator.",
    )
    assert (reach.tickets, reach.missed) == (2, [])
    spanish, english = (
        t.messages.filter(kind=MessageKind.REPLY, author_kind=AuthorKind.AGENT).get().body
        for t in flood
    )
    assert spanish == "Estamos reiniciando el concentrador."
    assert english == "We are restarting the concentrator."
    mailed = set(Outbox.objects.filter(ticket__in=flood).values_list("to", flat=True))
    assert mailed == {t.requester.email for t in flood}


def test_the_portal_banner_takes_a_report_without_a_ticket(l1_agent, flood, customer_colleague):
    incident = mi.declare_major_incident(by=l1_agent.user, title_es="VPN caída", title_en="VPN")
    mi.post_major_incident_update(incident=incident, by=l1_agent.user, body_es="En ello")
    [shown] = active_major_incidents_for_portal()
    assert shown.latest_update.body_es == "En ello"
    tickets_before = customer_colleague.tickets.count()
    mi.subscribe(incident=incident, by=customer_colleague.user)
    mi.subscribe(incident=incident, by=customer_colleague.user)  # twice counts once
    assert incident.subscribers.count() == 1
    assert customer_colleague.tickets.count() == tickets_before
    # The subscriber hears the next update by mail.
    mi.post_major_incident_update(incident=incident, by=l1_agent.user, body_es="Casi")
    mail = Outbox.objects.get(kind=NotificationKind.MAJOR_INCIDENT, to=customer_colleague.email)
    assert "Casi" in mail.body
    assert "\n" not in mail.subject


def test_an_agent_cannot_subscribe_and_a_resolved_incident_takes_no_subscriber(l1_agent, employee):
    incident = mi.declare_major_incident(by=l1_agent.user, title_es="VPN")
    with pytest.raises(ValidationFailed):
        mi.subscribe(incident=incident, by=l1_agent.user)
    mi.resolve_major_incident(incident=incident, by=l1_agent.user, body_es="Arreglado")
    with pytest.raises(NotFound):
        mi.subscribe(incident=incident, by=employee.user)
    assert active_major_incidents_for_portal() == []


def test_resolving_resolves_every_linked_ticket(l1_agent, flood):
    incident = mi.declare_major_incident(by=l1_agent.user, title_es="VPN", title_en="VPN")
    mi.link_to_major_incident(incident=incident, tickets=flood, by=l1_agent.user)
    reach = mi.resolve_major_incident(
        incident=incident, by=l1_agent.user, body_es="Restablecida", body_en="Restored"
    )
    assert reach.tickets == 2
    for ticket in flood:
        ticket.refresh_from_db()
        assert ticket.status == Status.RESOLVED
    assert flood[1].resolution_summary == "Restored"
    incident.refresh_from_db()
    assert incident.status == MajorIncidentStatus.RESOLVED
    with pytest.raises(InvalidTransition):
        mi.post_major_incident_update(incident=incident, by=l1_agent.user, body_es="otra")


def test_resolving_without_resolving_the_tickets_only_answers_them(l1_agent, flood):
    incident = mi.declare_major_incident(by=l1_agent.user, title_es="VPN")
    mi.link_to_major_incident(incident=incident, tickets=flood, by=l1_agent.user)
    mi.resolve_major_incident(
        incident=incident, by=l1_agent.user, body_es="Restablecida", resolve_tickets=False
    )
    for ticket in flood:
        ticket.refresh_from_db()
        assert ticket.status != Status.RESOLVED
        assert ticket.messages.filter(body="Restablecida").exists()


def test_new_tickets_that_look_alike_are_suggested(l1_agent, flood, employee):
    incident = mi.declare_major_incident(by=l1_agent.user, title_es="VPN caída desde casa")
    mi.link_to_major_incident(incident=incident, tickets=flood[:1], by=l1_agent.user)
    candidates = [h.ticket.pk for h in related_to_major_incident(l1_agent.user, incident)]
    assert flood[1].pk in candidates
    assert flood[0].pk not in candidates
    newcomer = open_ticket(employee, subject="VPN no va", body="Error en la VPN desde casa")
    assert major_incidents_for_ticket(l1_agent.user, newcomer) == [incident]
    other = open_ticket(employee, subject="Impresora", body="Atasco de papel")
    assert major_incidents_for_ticket(l1_agent.user, other) == []


def test_unlinking_records_it(l1_agent, flood):
    incident = mi.declare_major_incident(by=l1_agent.user, title_es="VPN", from_ticket=flood[0])
    mi.unlink_from_major_incident(incident=incident, ticket=flood[0], by=l1_agent.user)
    assert not MajorIncidentTicket.objects.exists()
