"""The portal's known-issue banner, kept in the cache: every portal page shows it, so it costs
no query; an action that changes what it shows forgets it at its commit."""

from typing import Any

from django.core.cache import cache
from django.db import transaction

KEY = "escala:problems:banner:v1"
TTL = 60  # seconds: the longest another process may show a stale banner if a delete is lost


def banner() -> list[dict[str, Any]]:
    shown = cache.get(KEY)
    if shown is None:
        from .queries import active_major_incidents_for_portal

        shown = [
            {
                "pk": incident.pk,
                "reference": incident.reference,
                "title_es": incident.title_es,
                "title_en": incident.title_en,
                "updated_at": incident.updated_at,
                "latest_es": incident.latest_update.body_es if incident.latest_update else "",
                "latest_en": incident.latest_update.body_en if incident.latest_update else "",
            }
            for incident in active_major_incidents_for_portal()
        ]
        cache.set(KEY, shown, TTL)
    return shown


def forget() -> None:
    transaction.on_commit(lambda: cache.delete(KEY))
