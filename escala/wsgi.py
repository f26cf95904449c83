import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "escala.settings")
application = get_wsgi_application()


def _serving_application():
    """What `escala serve` runs: the application, plus /static/ from the apps' static folders
    (no collectstatic step; a reverse proxy in front may serve /static/ itself instead)."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler

    return StaticFilesHandler(application)


serving_application = _serving_application()
