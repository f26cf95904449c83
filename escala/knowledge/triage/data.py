"""Where triage examples come from: the resolved history in the database, or a CSV of
hand-written requests (data/triage/requests.csv)."""

import csv
from pathlib import Path

from escala.tickets.choices import DONE_STATUSES, MessageKind
from escala.tickets.models import Message, Ticket

from . import Example


def ticket_text(subject: str, body: str) -> str:
    return f"{subject}\n{body}"


def history_examples(limit: int | None = None) -> list[Example]:
    """Resolved and closed tickets with a category: where they were solved is the answer."""
    tickets = (
        Ticket.objects.filter(status__in=DONE_STATUSES, category__isnull=False, merged_into=None)
        .select_related("category", "tier", "team")
        .order_by("-id")
    )
    if limit:
        tickets = tickets[:limit]
    rows = list(tickets.values_list("pk", "subject", "category__code", "tier__level", "team__name"))
    first: dict[int, str] = {}
    messages = (
        Message.objects.filter(ticket_id__in=[r[0] for r in rows], kind=MessageKind.REPLY)
        .order_by("ticket_id", "created_at", "id")
        .values_list("ticket_id", "body")
    )
    for ticket_id, body in messages.iterator(chunk_size=5000):
        first.setdefault(ticket_id, body)
    return [
        Example(ticket_text(subject, first.get(pk, "")), code, str(level), team or "")
        for pk, subject, code, level, team in rows
    ]


def csv_examples(path: Path) -> list[Example]:
    """Rows of language,subject,body,category (hand-written requests: only the category is
    labelled, so only the category is evaluated on them)."""
    with path.open(newline="", encoding="utf-8") as f:
        return [
            Example(ticket_text(row["subject"], row["body"]), row["category"].strip(), "", "")
            for row in csv.DictReader(f)
        ]
