"""The session store (settings.SESSION_ENGINE): Django's database sessions, with the read that
every signed-in request makes first compiled once per connection (core.kept_sql)."""

from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseStore
from django.utils import timezone

from . import kept_sql


class SessionStore(DatabaseStore):
    def _get_session_from_db(self) -> Any:
        if not isinstance(self.session_key, str):
            return super()._get_session_from_db()
        found = kept_sql.rows(
            ("core.session", self.model), self._unexpired, self.session_key, timezone.now()
        )
        if found:
            return found[0]
        self._session_key = None
        return None

    def _unexpired(self, session_key: str, now: Any) -> Any:
        return self.model.objects.filter(session_key=session_key, expire_date__gt=now)
