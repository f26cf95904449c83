"""Plain-text mail is never HTML-escaped: names and subjects arrive as they were written.

Every notification template is rendered with the same awkward name (an apostrophe, an ampersand,
angle brackets and quotes), and the whole flow is run once through each kind of notification.
"""

from pathlib import Path

import pytest
from django.core import mail as django_mail

from escala.mail import delivery, outbound
from escala.mail.choices import NotificationKind
from escala.mail.models import Outbox
from escala.tickets.actions import (
    add_reply,
    change_status,
    create_ticket,
    escalate_ticket,
    refer_to_vendor,
    resolve_ticket,
)
from escala.tickets.choices import Channel
from escala.tiers.models import Team

pytestmark = pytest.mark.django_db

AWKWARD = 'Ann O\'Brien & <Sons> "Ltd"'
SUBJECT = 'John\'s printer & <toner> "again"'
ESCAPED = ("&#x27;", "&#39;", "&amp;", "&lt;", "&gt;", "&quot;")

# Major incident updates are written as plain strings by escala/problems, not from a template;
# the agents' notices come from escala/notifications' own (tests/notifications/test_listeners.py).
TEMPLATED = set(NotificationKind.values) - {"major_incident", "agent_notice"}
TEMPLATES = sorted(
    p.stem
    for p in (Path(outbound.__file__).parent / "templates" / "mail" / "notifications").glob("*.txt")
)


def test_every_notification_kind_has_its_template():
    assert set(TEMPLATES) == TEMPLATED


@pytest.mark.parametrize("kind", TEMPLATES)
@pytest.mark.parametrize("language", ["en", "es"])
def test_each_template_keeps_an_awkward_name_as_written(kind, language):
    from types import SimpleNamespace

    ticket = SimpleNamespace(
        reference="ESC-000001",
        subject=SUBJECT,
        get_priority_display=lambda: "High",
    )
    message = SimpleNamespace(body=f"Dear {AWKWARD}, try <Ctrl> & 'Alt'.", author_name=AWKWARD)
    event = SimpleNamespace(reason=f"Because {AWKWARD}", data={"handover": f"Ask {AWKWARD}"})
    text = outbound._render(
        kind,
        language,
        {
            "ticket": ticket,
            "name": AWKWARD,
            "message": message,
            "event": event,
            "status": "Open & <waiting>",
            "summary": f"Fixed for {AWKWARD}",
            "team": SimpleNamespace(name=AWKWARD),
            "body": f"Hello {AWKWARD}",
            "case": SimpleNamespace(external_reference="SR-1 & <2>"),
            "vendor": SimpleNamespace(contract_reference="C&<1>"),
            "first": message,
        },
    )
    assert AWKWARD in text or SUBJECT in text
    assert not any(e in text for e in ESCAPED), text


def test_the_whole_flow_mails_names_and_subjects_unescaped(
    employee, l1_agent, l2_is_agent, supervisor, vendor, categories,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    employee.name = AWKWARD
    employee.language = "en"
    employee.save()
    Team.objects.filter(pk=l2_is_agent.teams.first().pk).update(name="R&D <Ops> O'Neil")
    l2_is_agent.language = "en"
    l2_is_agent.save()
    capture = django_capture_on_commit_callbacks
    with capture(execute=True):
        ticket = create_ticket(
            requester=employee,
            subject=SUBJECT,
            body="It jams.",
            channel=Channel.EMAIL,
            by=None,
        )
    ticket.category = categories["erp"]
    ticket.save()
    with capture(execute=True):
        add_reply(ticket=ticket, by=l1_agent.user, body=f"Hello {AWKWARD}, it's <fixed> & done.")
    with capture(execute=True):
        change_status(ticket=ticket, by=l1_agent.user, to="pending_customer", reason="Y'all & <me>")
    with capture(execute=True):
        escalate_ticket(ticket=ticket, by=l1_agent.user, reason="ERP & <co>", handover="It's ok")
    refer_to_vendor(ticket=ticket, by=supervisor.user, vendor=vendor, reason="Vendor's bug")
    with capture(execute=True):
        outbound.email_vendor(ticket=ticket, by=supervisor.user, body="Please check 'it' & <it>.")
    with capture(execute=True):
        resolve_ticket(ticket=ticket, by=supervisor.user, summary="Replaced the <toner> & 'drum'.")

    kinds = set(Outbox.objects.values_list("kind", flat=True))
    # Agents' notices (e.g. the routing's assignment) go out too, and are checked below.
    assert kinds - {"agent_notice"} == TEMPLATED
    for row in Outbox.objects.all():
        assert not any(e in row.body or e in row.subject for e in ESCAPED), (row.kind, row.body)
    assert Outbox.objects.filter(subject__contains=SUBJECT).count() >= 4
    assert Outbox.objects.filter(body__contains=AWKWARD).exists()
    assert Outbox.objects.filter(subject__contains="R&D <Ops> O'Neil").exists()

    for pk in delivery.due_outbox():
        assert delivery.deliver(pk) == "sent"
    for sent in django_mail.outbox:
        assert not any(e in sent.subject or e in sent.body for e in ESCAPED)
