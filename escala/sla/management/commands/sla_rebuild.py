"""`escala sla_rebuild`: compute every ticket's clocks from its history (after deploying SLAs,
changing a calendar, or loading demo data)."""

import sys
import time

from django.core.management.base import BaseCommand

from escala.sla.clocks import Context, rebuild
from escala.sla.defaults import install_defaults
from escala.sla.models import TicketClock
from escala.tickets.models import Ticket


class Command(BaseCommand):
    help = "Recompute all tickets' SLA clocks from their history."

    def add_arguments(self, parser):  # noqa: ANN001
        parser.add_argument("--batch", type=int, default=2000)
        parser.add_argument(
            "--defaults", action="store_true", help="Install the default calendar and policies."
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if clocks already exist."
        )

    def handle(self, *args, batch: int, defaults: bool, if_empty: bool, **options) -> None:
        if if_empty and TicketClock.objects.exists():
            return
        if defaults and install_defaults():
            self.stdout.write("Installed the default calendar, policies and tier targets.")
        ctx = Context.load()
        started = time.monotonic()
        ids = list(Ticket.objects.order_by("pk").values_list("pk", flat=True))
        clocks = 0
        for i in range(0, len(ids), batch):
            clocks += rebuild(ids[i : i + batch], ctx=ctx)
            sys.stderr.write(f"\r{min(i + batch, len(ids))}/{len(ids)} tickets")
        sys.stderr.write("\n")
        self.stdout.write(
            f"{len(ids)} tickets, {clocks} clocks in {time.monotonic() - started:.1f} s."
        )
