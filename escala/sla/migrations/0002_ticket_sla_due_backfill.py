"""Fill `Ticket.sla_due_at` (tickets 0007) from the clocks already stored: from now on
`sla.clocks` keeps it with them."""

from django.db import migrations

FILL = """
UPDATE tickets_ticket SET sla_due_at = (
    SELECT MIN(c.due_at) FROM sla_ticketclock c
     WHERE c.ticket_id = tickets_ticket.id AND c.stopped_at IS NULL AND c.due_at IS NOT NULL
)
WHERE id IN (SELECT ticket_id FROM sla_ticketclock WHERE stopped_at IS NULL)
"""


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial"), ("tickets", "0008_ticket_sla_due")]

    operations = [migrations.RunSQL(FILL, migrations.RunSQL.noop)]
