"""Changes to people's sign-in state, with keyword-only arguments like every action."""

from typing import Any

from allauth.usersessions.models import UserSession
from django.contrib.sessions.models import Session
from django.db.models import QuerySet


def end_sessions(*, users: QuerySet, by: Any) -> int:
    """Sign these people out everywhere: every tracked session ended, and any untracked session
    row of theirs deleted too. Returns how many tracked sessions were ended."""
    count = 0
    user_ids = {str(pk) for pk in users.values_list("pk", flat=True)}
    for session in UserSession.objects.filter(user_id__in=user_ids):
        session.end()
        count += 1
    # Sessions made before tracking began (or by force_login) are found by their content.
    for row in Session.objects.iterator():
        if row.get_decoded().get("_auth_user_id") in user_ids:
            row.delete()
    return count
