"""What other features add to every live poll answer (desk.live_views).

`unread_count(user)`: the person's unread notifications, sent as `notifications` in each answer
(the bell's count), or None while there is no notification center. It runs on every poll, so it
must cost no query when nothing changed (read a counter kept in the cache).
"""

from typing import Any


def unread_count(user: Any) -> int | None:
    return None
