"""A URLconf for tests/core/test_production.py: the real one plus a view that fails."""

from django.urls import path

from escala.urls import urlpatterns as real


def broken(request):  # noqa: ANN001, ANN201
    raise RuntimeError("a bug")


urlpatterns = [path("broken/", broken), *real]
