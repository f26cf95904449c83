"""Quick choice labels say what Django's get_FOO_display says, in the request's language."""

import pytest
from django.utils import translation

from escala.tickets.choices import EventKind, Status
from escala.tickets.models import Ticket, TicketEvent


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("status", Status.values)
def test_status_label_is_the_translated_choice(language, status):
    with translation.override(language):
        assert str(Ticket(status=status).get_status_display()) == str(Status(status).label)


def test_labels_follow_the_language_at_render_time_and_unknown_values_pass_through():
    ticket = Ticket(status=Status.PENDING_VENDOR)
    label = ticket.get_status_display()
    with translation.override("es"):
        spanish = str(label)
    with translation.override("en"):
        english = str(label)
    assert spanish != english
    assert str(TicketEvent(kind="no-such-kind").get_kind_display()) == "no-such-kind"
    assert str(TicketEvent(kind=EventKind.ESCALATED).get_kind_display()) == str(
        EventKind.ESCALATED.label
    )
