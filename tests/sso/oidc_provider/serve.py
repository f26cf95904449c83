"""Run the test OpenID provider: `python -m tests.sso.oidc_provider.serve CONFIG.json`.

Migrates its own SQLite database, creates the users, groups and the client application the
config names, binds 127.0.0.1 on an ephemeral port, prints `PORT <n>` and serves until killed."""

import json
import os
import sys
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

CONTROL_TOKEN = os.environ.get("OIDC_TEST_CONTROL_TOKEN", "")


class ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002, ANN001, ANN002
        pass


def main(config_path: str) -> None:
    config = json.loads(open(config_path).read())  # noqa: SIM115
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.sso.oidc_provider.settings"
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application
    from oauth2_provider.models import Application

    call_command("migrate", verbosity=0, interactive=False)
    User = get_user_model()
    for spec in config["users"]:
        user = User.objects.create_user(
            spec["username"],
            spec["email"],
            spec["password"],
            first_name=spec.get("first_name", ""),
            last_name=spec.get("last_name", ""),
        )
        user.groups.set([Group.objects.get_or_create(name=n)[0] for n in spec.get("groups", [])])
    client = config["client"]
    Application.objects.create(
        name="Escala",
        client_id=client["id"],
        client_secret=client["secret"],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=" ".join(client["redirect_uris"]),
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=True,
    )
    server = make_server(
        "127.0.0.1",
        0,
        get_wsgi_application(),
        server_class=ThreadingServer,
        handler_class=QuietHandler,
    )
    print(f"PORT {server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1])
