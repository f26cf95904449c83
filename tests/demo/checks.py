"""What both demo loaders must leave true, checked the same way."""

from escala.tickets.models import Ticket, TicketEvent


def assert_status_events_replay_to_each_status() -> None:
    """Replaying each ticket's status events from NEW lands on its status: no gaps."""
    chains: dict[int, str] = {}
    for ticket_id, old, new in (
        TicketEvent.objects.filter(field="status")
        .order_by("ticket_id", "created_at", "id")
        .values_list("ticket_id", "old_value", "new_value")
    ):
        assert chains.get(ticket_id, "new") == old, ticket_id
        chains[ticket_id] = new
    for ticket_id, status in Ticket.objects.values_list("pk", "status"):
        assert chains.get(ticket_id, "new") == status, ticket_id
