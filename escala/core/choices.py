"""Choice labels without Django's per-call cost."""

from collections.abc import Callable

from django.db import models


def quick_labels(*names: str) -> Callable[[type[models.Model]], type[models.Model]]:
    """A class decorator replacing get_<name>_display for the named choice fields.

    Django's version rebuilds a hashable copy of every choice on each call, hashing each lazy
    (translatable) label, i.e. one translation per choice: half a millisecond for a ticket's
    status, paid for every row of a queue page. This looks the value up in a dict built once;
    the label stays lazy, so it is translated once, into the language of the request."""

    def decorate(model: type[models.Model]) -> type[models.Model]:
        for name in names:
            labels = dict(model._meta.get_field(name).flatchoices)

            def display(self: models.Model, _name: str = name, _labels: dict = labels) -> object:
                value = getattr(self, _name)
                return _labels.get(value, value)

            setattr(model, f"get_{name}_display", display)
        return model

    return decorate
