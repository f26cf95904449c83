"""Seeds the multi-host test's database from a process of its own; prints what the test needs."""

import json
import sys

import django


def main(task_file: str, tasks: int) -> dict:
    from django.contrib.auth import get_user_model

    from escala.api.tokens import issue_token
    from escala.people.choices import OrganizationKind, RequesterKind
    from escala.people.models import Organization, Requester
    from tests.ops.multihost_tasks import record

    user_model = get_user_model()
    org = Organization.objects.create(name="Finanzas", kind=OrganizationKind.DEPARTMENT)
    tokens = []
    for n in range(5):
        user = user_model.objects.create_user(f"req{n}", f"req{n}@finanzas.example", "pw")
        Requester.objects.create(
            user=user,
            name=f"Requester {n}",
            email=f"req{n}@finanzas.example",
            kind=RequesterKind.EMPLOYEE,
            organization=org,
        )
        token, raw = issue_token(
            user=user, by=None, name="multihost", scopes=["tickets:read", "tickets:write"]
        )
        tokens.append({"id": token.pk, "raw": raw})
    for n in range(tasks):
        record.enqueue(f"task-{n}", task_file)
    return {"tokens": tokens}


if __name__ == "__main__":
    django.setup()
    json.dump(main(sys.argv[1], int(sys.argv[2])), sys.stdout)
