"""Not collected (no test_ prefix): prints queries and CPU per POST path with the worker relay.

.venv/bin/pytest -q -s tests/tickets/measure_posts.py [-p no:cacheprovider]
"""

import time
from collections import Counter

from django.db import connection
from django.urls import reverse

from escala.sla.models import SlaPolicy
from escala.tickets import events
from tests.api.conftest import Api
from tests.tickets.factories import open_ticket

N = 15


CLIENTS = []


def run(label, do, show=False):
    seen = []

    def wrapper(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        do(0)
    q = [{"sql": s} for s in seen]
    cpu = time.process_time()
    for i in range(1, N + 1):
        for c in CLIENTS:  # the request alone: what it left is the worker's (or the next page's)
            c.cookies.pop("escala_relay", None)
        do(i)
    cpu = (time.process_time() - cpu) / N * 1000
    print(f"\n### {label}: {len(q)} queries, CPU {cpu:.1f} ms/POST (test client)")
    if show:
        for s, c in Counter(x["sql"][:110] for x in q).most_common():
            print("   ", c, s)


def test_measure(
    settings,
    client,
    employee,
    l1_agent,
    customer,
    categories,
    django_capture_on_commit_callbacks,
):
    settings.ESCALA_EVENT_RELAY = "worker"
    SlaPolicy.objects.create(name="S", order=1)
    l1_agent.skills.add(categories["password"].specialty)
    client.force_login(employee.user)
    CLIENTS.append(client)
    client.get(reverse("portal:new_request"))

    def portal(i):
        with django_capture_on_commit_callbacks(execute=True):
            r = client.post(
                reverse("portal:new_request"),
                {"subject": f"S {i}", "description": "d", "category": categories["password"].pk},
            )
        assert r.status_code == 302

    run("portal submit", portal, show=True)
    agent = client.__class__()
    agent.force_login(l1_agent.user)
    CLIENTS.append(agent)

    def desk_new(i):
        with django_capture_on_commit_callbacks(execute=True):
            r = agent.post(
                reverse("desk:new_ticket"),
                {
                    "requester": customer.pk,
                    "channel": "phone",
                    "category": categories["password"].pk,
                    "subject": f"Sin {i}",
                    "body": "b",
                    "impact": "high",
                    "urgency": "high",
                },
            )
        assert r.status_code == 302, r.content[:3000]

    run("desk new ticket (phone)", desk_new, show=True)
    with django_capture_on_commit_callbacks(execute=True):
        tickets = [open_ticket(employee, category=categories["password"]) for _ in range(N + 1)]
    events.relay_all()

    def reply(i):
        t = tickets[i]
        t.refresh_from_db()
        with django_capture_on_commit_callbacks(execute=True):
            r = agent.post(
                reverse("desk:action", args=[t.pk, "compose"]),
                {"compose-kind": "reply", "compose-body": "hola", "compose-version": t.version},
            )
        assert r.status_code == 302, r.content[:3000]

    run("desk reply", reply, show=True)
    api = Api(employee.user)

    def create(i):
        with django_capture_on_commit_callbacks(execute=True):
            r = api.post("tickets", {"subject": f"T {i}", "body": "b"})
        assert r.status_code == 201

    run("API create", create, show=True)
