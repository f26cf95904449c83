"""A real OpenID Connect provider (tests/sso/oidc_provider: django-oauth-toolkit) in its own
process on 127.0.0.1 and an ephemeral port, and Escala configured to sign in through it."""

import json
import os
import secrets
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from escala.sso.oidc_config import oidc_settings

ROOT = Path(__file__).resolve().parents[2]
PROVIDER_ID = "testidp"
CLIENT_ID = "escala-test-client"
CLIENT_SECRET = "escala-test-client-secret"  # noqa: S105 (a throwaway test provider)
CALLBACK = f"/accounts/oidc/{PROVIDER_ID}/login/callback/"

# username: (password, mail, given name, surname, groups)
PEOPLE = {
    "marta": ("marta-idp-1", "marta@finanzas.example", "Marta", "Gómez", ["Finance"]),
    "nuria": ("nuria-idp-1", "nuria@escala.example", "Nuria", "Redes", ["Helpdesk Networks"]),
    "nadie": ("nadie-idp-1", "nadie@otra.example", "Nadie", "Sin Grupo", []),
    "lucia": ("lucia-idp-1", "lucia@escala.example", "Lucía", "Agente", ["Helpdesk L1"]),
}


@dataclass
class Provider:
    url: str
    control_token: str

    @property
    def issuer(self) -> str:
        return f"{self.url}/o"

    def control(self, **body) -> None:
        response = requests.post(
            f"{self.url}/_control/",
            data=json.dumps(body),
            headers={"X-Control-Token": self.control_token},
            timeout=10,
        )
        response.raise_for_status()


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    base = tmp_path_factory.mktemp("oidc")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    config = {
        "users": [
            {
                "username": u,
                "password": p[0],
                "email": p[1],
                "first_name": p[2],
                "last_name": p[3],
                "groups": p[4],
            }
            for u, p in PEOPLE.items()
        ],
        "client": {
            "id": CLIENT_ID,
            "secret": CLIENT_SECRET,
            "redirect_uris": [f"http://testserver{CALLBACK}"],
        },
    }
    (base / "config.json").write_text(json.dumps(config))
    token = secrets.token_urlsafe(16)
    env = {
        k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}
    }
    env.update(
        OIDC_TEST_SECRET_KEY=secrets.token_urlsafe(32),
        OIDC_TEST_DB=str(base / "provider.sqlite3"),
        OIDC_TEST_RSA_KEY=pem,
        OIDC_TEST_CONTROL_TOKEN=token,
        PYTHONPATH=str(ROOT),
    )
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "tests.sso.oidc_provider.serve", str(base / "config.json")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=open(base / "provider.log", "wb"),  # noqa: SIM115
    )
    first: list[str] = []
    reader = threading.Thread(target=lambda: first.append(process.stdout.readline().decode()))
    reader.start()
    reader.join(timeout=60)
    if not first or not first[0].startswith("PORT "):
        process.kill()
        pytest.fail(
            f"the test OpenID provider did not start: {(base / 'provider.log').read_text()}"
        )
    provider = Provider(url=f"http://127.0.0.1:{int(first[0].split()[1])}", control_token=token)
    yield provider
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def oidc_env(provider: Provider, **extra: str) -> dict[str, str]:
    return {
        "ESCALA_OIDC_PROVIDER_ID": PROVIDER_ID,
        "ESCALA_OIDC_NAME": "Test IdP",
        "ESCALA_OIDC_SERVER_URL": provider.issuer,
        "ESCALA_OIDC_CLIENT_ID": CLIENT_ID,
        "ESCALA_OIDC_CLIENT_SECRET": CLIENT_SECRET,
        **extra,
    }


def use_oidc(settings, env: dict[str, str]) -> None:
    settings.SOCIALACCOUNT_PROVIDERS = oidc_settings(env)


@pytest.fixture
def oidc_configured(settings, oidc_provider):
    use_oidc(settings, oidc_env(oidc_provider))
    for name in PEOPLE:
        oidc_provider.control(username=name, groups=PEOPLE[name][4], active=True)
    return oidc_provider
