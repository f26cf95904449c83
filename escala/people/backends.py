"""Signing in: Django's model backend, except that the signed-in user is read with their agent or
requester profile joined, since nearly every page asks next who the user is to the help desk
(people.queries.agent_of / requester_of): one query instead of two, compiled once per connection
(core.kept_sql)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from escala.core import kept_sql


def _signed_in(user_id):  # noqa: ANN001, ANN202
    return get_user_model()._default_manager.select_related("agent", "requester").filter(pk=user_id)


class PeopleBackend(ModelBackend):
    def get_user(self, user_id):  # noqa: ANN001, ANN201
        if type(user_id) is not int:  # as the session keeps it: the ORM converts it
            return self._get_user(user_id)
        found = kept_sql.rows("people.signed_in_user", _signed_in, user_id)
        return found[0] if found and self.user_can_authenticate(found[0]) else None

    def _get_user(self, user_id):  # noqa: ANN001, ANN202
        try:
            user = _signed_in(user_id).get()
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
