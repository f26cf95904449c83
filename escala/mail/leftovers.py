"""Mail left `received`: a pipe, poll or listener was killed between storing a mail and
processing it. The worker's `mail.leftovers` job (every 30 seconds, one worker per period)
processes what has waited ESCALA_MAIL_LEFTOVER_AFTER seconds, so no one has to run
`escala mail retry`.

Each mail is still processed once: `ingest.process_batch` locks the rows and takes only those
still `received`, so a pipe finishing the same mail, or a second worker, finds it done. A mail
that killed its process every time (say, out of memory while parsing) would be tried forever:
each try is counted first, in its own transaction, and after MAX_TRIES the mail is quarantined
for an agent instead.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from escala.core import clock

from .choices import InboundStatus, Outcome
from .models import InboundMail

log = logging.getLogger(__name__)

BATCH = 200
MAX_TRIES = 3  # unfinished tries before the mail is quarantined
LIMIT = 2000  # per run: a backlog larger than this is taken on by the next runs


def process_leftovers(now: datetime | None = None) -> int:
    """Process the mails left `received`; returns how many were taken up."""
    from . import ingest

    cutoff = (now or clock.now()) - timedelta(seconds=settings.ESCALA_MAIL_LEFTOVER_AFTER)
    ids = list(
        InboundMail.objects.filter(status=InboundStatus.RECEIVED, received_at__lte=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)[:LIMIT]
    )
    if not ids:
        return 0
    ids = _count_tries(ids)
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        try:
            ingest.process_batch(chunk)
        except DatabaseError:
            for pk in chunk:
                try:
                    ingest.process(pk)
                except DatabaseError:
                    log.exception("left-over mail %s not processed", pk)
    return len(ids)


def _count_tries(ids: list[int]) -> list[int]:
    """Count this try on each mail (committed before processing starts); quarantine those tried
    MAX_TRIES times already. Returns the ids to process."""
    with transaction.atomic():
        spent = list(
            InboundMail.objects.filter(
                pk__in=ids, status=InboundStatus.RECEIVED, leftover_tries__gte=MAX_TRIES
            ).values_list("pk", flat=True)
        )
        if spent:
            InboundMail.objects.filter(pk__in=spent, status=InboundStatus.RECEIVED).update(
                status=InboundStatus.QUARANTINED,
                outcome=Outcome.ERROR,
                reason=_(
                    "Processing this mail did not finish %(n)d times (the process stopped). "
                    "Look at the original before processing it again."
                )
                % {"n": MAX_TRIES},
                processed_at=clock.now(),
            )
        todo = [pk for pk in ids if pk not in set(spent)]
        InboundMail.objects.filter(pk__in=todo, status=InboundStatus.RECEIVED).update(
            leftover_tries=F("leftover_tries") + 1
        )
    return todo
