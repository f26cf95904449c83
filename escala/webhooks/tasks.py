from django.tasks import task


@task()
def deliver_webhook(delivery_id: int) -> None:
    """Thin: load by id, try once; the delivery schedules its own retry when it fails."""
    from .actions import attempt_delivery

    attempt_delivery(delivery_id=delivery_id)
