"""Signing in: Django's model backend, except that the signed-in user is read with their agent or
requester profile joined, since nearly every page asks next who the user is to the help desk
(people.queries.agent_of / requester_of): one query instead of two."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class PeopleBackend(ModelBackend):
    def get_user(self, user_id):  # noqa: ANN001, ANN201
        users = get_user_model()._default_manager.select_related("agent", "requester")
        try:
            user = users.get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
