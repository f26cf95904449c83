"""One morning at the desk, acted out through the real actions with the injected clock.

Six tickets opened at 09:00 (UTC) on Monday 2 March 2026; minutes are counted from then:

  A password   L1  Lucía replies @10, resolves @30                      (first contact)
  B network    L1  Lucía replies @20, escalates @60 to Networks (L2), Nuria replies @90 and
                   sends it back down @180, Lucía resolves @240
  C password   L1  Lucía replies @5, resolves @60; Marta answers @120 (reopens), Lucía replies
                   @130, resolves @180
  D password   L1  Lucía replies @10, pauses (pending customer) @11; Marta answers @300,
                   Lucía resolves @330
  E erp        L1  escalated @60 to Information Systems (L2), @120 to Engineering (L3),
                   referred @180 to the ERP vendor (L4); still there at @540 ("now")
  F database   L2  Dolores replies @30, resolves @90
"""

from datetime import timedelta

import pytest
from django.utils import translation

from escala.tickets.actions import (
    add_reply,
    change_status,
    de_escalate_ticket,
    escalate_ticket,
    refer_to_vendor,
    resolve_ticket,
)
from escala.tickets.choices import Status
from tests.tickets.factories import open_ticket


@pytest.fixture(autouse=True)
def _leave_the_language_as_found():
    # Test-client requests run LocaleMiddleware, which activates a language for the thread and
    # leaves it there; later test modules must not inherit it.
    before = translation.get_language()
    yield
    if before is None:
        translation.deactivate_all()
    else:
        translation.activate(before)


@pytest.fixture
def desk_morning(
    frozen_clock,
    django_capture_on_commit_callbacks,
    categories,
    employee,
    l1_agent,
    l2_network_agent,
    l2_is_agent,
    l3_engineer,
    l2_db_specialist,
    vendor,
):
    start = frozen_clock.current

    def at(minutes: int) -> None:
        frozen_clock.current = start + timedelta(minutes=minutes)

    lucia, nuria, iker = l1_agent.user, l2_network_agent.user, l2_is_agent.user
    elena, dolores, marta = l3_engineer.user, l2_db_specialist.user, employee.user
    with django_capture_on_commit_callbacks(execute=True):
        t = {
            "A": open_ticket(employee, category=categories["password"]),
            "B": open_ticket(employee, category=categories["connectivity"]),
            "C": open_ticket(employee, category=categories["password"]),
            "D": open_ticket(employee, category=categories["password"]),
            "E": open_ticket(employee, category=categories["erp"]),
            "F": open_ticket(employee, category=categories["database"]),
        }
    steps = [
        (5, lambda: add_reply(ticket=t["C"], by=lucia, body="Prueba ahora.")),
        (10, lambda: add_reply(ticket=t["A"], by=lucia, body="Contraseña restablecida.")),
        (10, lambda: add_reply(ticket=t["D"], by=lucia, body="¿Qué error ves?")),
        (11, lambda: change_status(ticket=t["D"], by=lucia, to=Status.PENDING_CUSTOMER)),
        (20, lambda: add_reply(ticket=t["B"], by=lucia, body="Lo miramos.")),
        (30, lambda: resolve_ticket(ticket=t["A"], by=lucia, summary="Restablecida.")),
        (30, lambda: add_reply(ticket=t["F"], by=dolores, body="Revisando el índice.")),
        (60, lambda: escalate_ticket(ticket=t["B"], by=lucia, reason="VPN", handover="Probado")),
        (60, lambda: resolve_ticket(ticket=t["C"], by=lucia, summary="Hecho.")),
        (60, lambda: escalate_ticket(ticket=t["E"], by=lucia, reason="ERP", handover="Log")),
        (90, lambda: add_reply(ticket=t["B"], by=nuria, body="Cambio en el router.")),
        (90, lambda: resolve_ticket(ticket=t["F"], by=dolores, summary="Índice creado.")),
        (120, lambda: add_reply(ticket=t["C"], by=marta, body="Sigue sin funcionar.")),
        (120, lambda: escalate_ticket(ticket=t["E"], by=iker, reason="Bug", handover="Traza")),
        (130, lambda: add_reply(ticket=t["C"], by=lucia, body="Ahora sí.")),
        (180, lambda: de_escalate_ticket(ticket=t["B"], by=nuria, note="Aplica el cambio")),
        (180, lambda: resolve_ticket(ticket=t["C"], by=lucia, summary="Caché borrada.")),
        (
            180,
            lambda: refer_to_vendor(ticket=t["E"], by=elena, vendor=vendor, reason="Parche"),
        ),
        (240, lambda: resolve_ticket(ticket=t["B"], by=lucia, summary="Router cambiado.")),
        (300, lambda: add_reply(ticket=t["D"], by=marta, body="Error 403.")),
        (330, lambda: resolve_ticket(ticket=t["D"], by=lucia, summary="Permiso dado.")),
    ]
    for minute, step in steps:
        at(minute)
        with django_capture_on_commit_callbacks(execute=True):
            step()
    at(540)
    for ticket in t.values():
        ticket.refresh_from_db()
    return t
