"""The static files' storage (settings.STORAGES["staticfiles"]): Django's, with each file's
address worked out once per process. Every page asks `{% static %}` for the same few files and
the address of a name never changes while the process runs (issue #20: quoting and joining it
again cost more than anything else in the page's head)."""

from django.contrib.staticfiles.storage import StaticFilesStorage

MAX_KEPT = 1024  # names from templates: a few dozen; all dropped beyond


class KeptUrls(StaticFilesStorage):
    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name: str | None) -> str:
        if name is None or (found := self._urls.get(name)) is None:
            found = super().url(name)
            if name is not None:
                if len(self._urls) >= MAX_KEPT:
                    self._urls.clear()
                self._urls[name] = found
        return found
