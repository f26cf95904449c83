"""Background work of the knowledge base: thin, takes ids, enqueued after commit."""

from django.tasks import task


@task()
def triage_ticket(ticket_id: int) -> None:
    from .triage.service import suggest_triage

    suggest_triage(ticket=ticket_id)


@task()
def retrain_triage() -> int:
    """Retrain on the resolved history. Run it periodically (cron or a systemd timer calling
    `escala triage train`, or enqueue this task)."""
    from .triage.service import train_from_history

    return train_from_history().examples
