"""What other features add to every live poll answer (desk.live_views).

`unread_count(user)`: the person's unread notifications (escala.notifications), sent as
`notifications` in each answer, so the bell follows the page's own poll. It runs on every poll,
so it costs no query when nothing changed (a counter kept in the cache: notifications/state.py).
"""

from typing import Any

from escala.notifications.queries import unread_count as notifications_unread


def unread_count(user: Any) -> int | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return notifications_unread(user)


def kept_unread_count(user_id: int) -> int | None:
    """The same count from the cache only, for the shortcut that has no user row (None: ask)."""
    from escala.notifications.state import kept_unread_count as kept

    return kept(user_id)
