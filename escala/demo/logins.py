"""The demo password and the logins `make run` prints."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model

DEMO_LOGINS = [
    ("admin", "administrator (Django admin, all configuration)"),
    ("sara", "supervisor, sees every tier"),
    ("lucia", "Level 1 agent (Service Desk)"),
    ("nuria", "Level 2 agent (Networks)"),
    ("iker", "Level 2 agent (Information Systems)"),
    ("elena", "Level 3 engineer"),
    ("marta", "employee requester (Finanzas)"),
    ("john", "customer requester (Fibra Rápida S.L.)"),
    ("carlos", "customer manager (Fibra Rápida S.L.), sees the whole company"),
]


def demo_password() -> str:
    """ESCALA_DEMO_PASSWORD when set, else one generated once and kept in var/demo_password."""
    if settings.ESCALA_DEMO_PASSWORD:
        return settings.ESCALA_DEMO_PASSWORD
    path = settings.VAR_DIR / "demo_password"
    if not path.exists():
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(9))
        path.chmod(0o600)
    return path.read_text().strip()


def describe_logins() -> str:
    users = set(
        get_user_model()
        .objects.filter(username__in=[u for u, _ in DEMO_LOGINS])
        .values_list("username", flat=True)
    )
    if not users:
        return "No demo users yet: run `escala demo` to create them."
    password = demo_password()
    lines = ["", f"Demo logins (password for all: {password})"]
    lines += [f"  {u:<8} {role}" for u, role in DEMO_LOGINS if u in users]
    lines.append("")
    return "\n".join(lines)
