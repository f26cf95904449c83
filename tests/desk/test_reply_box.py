"""The console's reply box: Markdown stored and shown safely, the preview, files, the send
buttons through the state machine, the signature, and the toolbar's lists (issue #18, part 5)."""

import importlib
import re

import pytest
from django.apps import apps as django_apps
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models.functions import Lower
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from escala.automation.models import Macro
from escala.core import clock
from escala.desk import actions as desk_actions
from escala.desk.models import CannedReply, Signature
from escala.knowledge.choices import Visibility
from escala.mail import delivery
from escala.mail.models import Outbox
from escala.tickets.actions import add_note, add_reply, create_ticket, resolve_ticket
from escala.tickets.choices import BodyFormat, MessageKind, Status
from escala.tickets.models import Message, Ticket
from tests.knowledge.conftest import published_article
from tests.tickets.factories import open_ticket

pytestmark = pytest.mark.django_db

HOSTILE = (
    "**Hola** <script>alert(1)</script>\n\n"
    '[clic](javascript:alert(2)) <img src=x onerror="alert(3)">\n\n'
    "![x](javascript:alert(4))"
)


def compose(client, ticket, **data):
    payload = {f"compose-{k}": v for k, v in data.items()}
    payload.setdefault("compose-kind", "reply")
    payload.setdefault("compose-version", Ticket.objects.get(pk=ticket.pk).version)
    return client.post(reverse("desk:action", args=[ticket.pk, "compose"]), payload)


@pytest.fixture
def ticket(frozen_clock, employee, categories):
    return open_ticket(employee, category=categories["erp"], subject="El ERP no cierra el mes")


@pytest.fixture
def agent_client(login, l1_agent):
    return login(l1_agent.user)


def _page(client, ticket) -> str:
    return client.get(reverse("desk:ticket", args=[ticket.pk])).content.decode()


def _unsafe(html: str) -> list[str]:
    """Live markup only: the hostile text may stay visible as escaped text, never as a tag, an
    event handler or a javascript: address."""
    tags = re.findall(r"<[a-zA-Z][^>]*>", html)
    return [
        tag
        for tag in tags
        if tag.lower().startswith("<script")
        or re.search(r"\son\w+\s*=", tag, re.I)
        or "javascript:" in tag.lower()
    ]


# --- Markdown stored and shown -------------------------------------------------------------------


def test_a_reply_from_the_box_is_stored_as_markdown_and_shown_rendered(agent_client, ticket):
    response = compose(agent_client, ticket, body="Pruebe **esto**:\n\n- uno\n- dos")

    assert response.status_code == 302
    message = Message.objects.get(ticket=ticket, kind=MessageKind.REPLY, author_kind="agent")
    assert message.body_format == BodyFormat.MARKDOWN
    assert message.body.startswith("Pruebe **esto**:")
    page = _page(agent_client, ticket)
    assert "<strong>esto</strong>" in page
    assert "<li>uno</li>" in page


def test_scripts_javascript_links_and_event_handlers_never_reach_the_desk_or_the_portal(
    agent_client, ticket, client, employee
):
    compose(agent_client, ticket, body=HOSTILE)
    desk = _page(agent_client, ticket)
    thread = desk.split('id="thread-title"')[1].split('id="composer"')[0]
    assert "<strong>Hola</strong>" in thread
    assert _unsafe(thread) == []

    client.force_login(employee.user)
    portal = client.get(reverse("portal:ticket", args=[ticket.pk])).content.decode()
    assert "<strong>Hola</strong>" in portal
    assert _unsafe(portal.split("<main")[1]) == []


def test_older_plain_text_messages_still_show_as_written(agent_client, ticket, l1_agent):
    add_reply(ticket=ticket, by=l1_agent.user, body="Line **one**\n<b>two</b>")
    page = _page(agent_client, ticket)
    assert "Line **one**<br>&lt;b&gt;two&lt;/b&gt;" in page


def test_the_preview_is_the_renderer_of_the_thread_with_the_signature_under_a_reply(
    agent_client, ticket, l1_agent
):
    desk_actions.save_signature(by=l1_agent.user, body="Ana\nNivel 1")
    url = reverse("desk:preview", args=[ticket.pk])

    reply = agent_client.post(url, {"compose-body": HOSTILE, "compose-kind": "reply"})
    note = agent_client.post(url, {"compose-body": "*nota*", "compose-kind": "note"})

    html = reply.content.decode()
    assert "<strong>Hola</strong>" in html
    assert _unsafe(html) == []
    assert "Ana<br>" in html
    assert "Nivel 1" in html
    assert "<em>nota</em>" in note.content.decode()
    assert "Ana" not in note.content.decode()


def test_the_preview_of_a_ticket_i_may_not_see_is_not_found(
    login, l1_agent, employee, categories, frozen_clock
):
    elsewhere = open_ticket(employee, category=categories["database"])
    response = login(l1_agent.user).post(
        reverse("desk:preview", args=[elsewhere.pk]), {"compose-body": "x"}
    )
    assert response.status_code == 404


def test_the_requesters_mail_carries_the_html_and_a_plain_text_part(settings, agent_client, ticket):
    settings.ESCALA_MAIL_NOTIFY = True
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    compose(agent_client, ticket, body="## Pasos\n\n1. Abra el **cliente**\n\n" + HOSTILE)

    row = Outbox.objects.get(ticket=ticket, kind="agent_reply")
    assert "<strong>cliente</strong>" in row.html_body
    assert _unsafe(row.html_body) == []
    assert "Abra el cliente" in row.body  # the text part without the emphasis marks
    assert "<strong>" not in row.body
    assert delivery.deliver(row.pk) == "sent"
    sent = mail.outbox[-1]
    assert sent.body == row.body
    assert sent.alternatives[0].mimetype == "text/html"


def test_a_plain_text_reply_mails_plain_text_only(settings, ticket, l1_agent):
    settings.ESCALA_MAIL_NOTIFY = True
    add_reply(ticket=ticket, by=l1_agent.user, body="Hola **sin formato**")
    row = Outbox.objects.get(ticket=ticket, kind="agent_reply")
    assert row.html_body == ""
    assert "Hola **sin formato**" in row.body


# --- Send, send and set pending, send and resolve ------------------------------------------------


def test_send_and_set_pending_replies_and_waits_for_the_requester(agent_client, ticket):
    response = compose(agent_client, ticket, body="¿Puede enviar una captura?", then="pending")

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING_CUSTOMER
    assert ticket.messages.filter(body__startswith="¿Puede enviar una captura?").exists()


def test_send_and_resolve_uses_the_reply_as_its_summary(agent_client, ticket):
    compose(agent_client, ticket, body="Reinicie el **servicio** de cierre.", then="resolve")

    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    assert ticket.resolution_summary == "Reinicie el servicio de cierre."


def test_send_and_resolve_from_a_note_needs_a_summary_for_the_requester(agent_client, ticket):
    response = compose(agent_client, ticket, kind="note", body="Parche aplicado", then="resolve")

    assert response.status_code == 200
    assert response.context["forms"]["compose"].errors["summary"]
    assert not ticket.messages.filter(body="Parche aplicado").exists()
    compose(
        agent_client,
        ticket,
        kind="note",
        body="Parche aplicado",
        then="resolve",
        summary="Aplicamos la corrección del proveedor.",
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    assert ticket.resolution_summary == "Aplicamos la corrección del proveedor."
    assert ticket.messages.get(body="Parche aplicado").kind == MessageKind.NOTE


def test_a_refused_status_change_sends_nothing_and_keeps_the_text(agent_client, ticket, l1_agent):
    resolve_ticket(ticket=ticket, by=l1_agent.user, summary="Hecho")
    before = ticket.messages.count()
    upload = SimpleUploadedFile("log.txt", b"trace", content_type="text/plain")

    response = compose(
        agent_client, ticket, body="Una última **nota**", then="pending", attachments=upload
    )

    assert response.status_code == 200
    form = response.context["forms"]["compose"]
    assert form.errors["then"]
    page = response.content.decode()
    assert "Una última **nota**</textarea>" in page
    assert "Nothing was sent: your text is still here." in page
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    assert ticket.messages.count() == before


def test_an_unknown_send_choice_is_refused_at_its_field(agent_client, ticket):
    response = compose(agent_client, ticket, body="Hola", then="close")
    assert response.status_code == 200
    assert response.context["forms"]["compose"].errors["then"]
    assert not ticket.messages.filter(body="Hola").exists()


def test_a_macro_inserted_into_the_box_sets_its_fields_with_the_edited_text(agent_client, ticket):
    macro = Macro.objects.create(
        name_en="Ask for a screenshot",
        name_es="Pedir captura",
        body_en="Hello {{ requester.name }}",
        body_es="Hola {{ requester.name }}",
        set_priority="high",
        add_tag="captura",
    )
    menu = agent_client.get(reverse("desk:compose_macros", args=[ticket.pk])).content.decode()
    assert f'data-rb-macro="{macro.pk}"' in menu
    assert f"Hola {ticket.requester.name}" in menu

    compose(agent_client, ticket, body="Hola, ¿nos manda una captura?", macro=macro.pk)

    ticket.refresh_from_db()
    assert ticket.priority == "high"
    replies = ticket.messages.filter(author_kind="agent", kind=MessageKind.REPLY)
    assert [m.body for m in replies] == ["Hola, ¿nos manda una captura?"]  # once, as edited


# --- The signature -------------------------------------------------------------------------------


def test_the_signature_goes_under_public_replies_and_never_under_notes(
    agent_client, ticket, l1_agent
):
    agent_client.post(reverse("desk:my_settings"), {"body": "Ana García\nSoporte Nivel 1"})
    assert Signature.objects.get(agent=l1_agent).body == "Ana García\nSoporte Nivel 1"

    compose(agent_client, ticket, body="Ya está.")
    compose(agent_client, ticket, kind="note", body="Nota interna")

    reply = ticket.messages.get(body__startswith="Ya está.")
    assert reply.body.endswith("--  \nAna García  \nSoporte Nivel 1")
    assert ticket.messages.get(kind=MessageKind.NOTE).body == "Nota interna"
    assert "Ana García<br>" in _page(agent_client, ticket)


def test_a_signature_too_long_is_refused_at_its_field(agent_client, l1_agent):
    response = agent_client.post(reverse("desk:my_settings"), {"body": "x" * 1001})
    assert response.status_code == 200
    assert response.context["form"].errors["body"]
    assert not Signature.objects.filter(agent=l1_agent).exists()


def test_the_settings_pages_are_in_the_user_menu_of_agents_only(agent_client, client, employee):
    page = agent_client.get(reverse("desk:queue")).content.decode()
    assert reverse("desk:my_settings") in page
    assert reverse("desk:canned_list") in page
    client.force_login(employee.user)
    assert reverse("desk:my_settings") not in client.get("/").content.decode()
    assert client.get(reverse("desk:my_settings")).status_code == 302  # to the portal


# --- Canned replies ------------------------------------------------------------------------------


def test_an_agent_keeps_their_own_canned_replies(agent_client, l1_agent):
    response = agent_client.post(
        reverse("desk:canned_new"),
        {"name": "Saludo", "body_es": "Hola {{ requester.name }}", "body_en": "Hi"},
    )
    assert response.status_code == 302
    canned = CannedReply.objects.get(name="Saludo")
    assert canned.owner == l1_agent

    agent_client.post(
        reverse("desk:canned_edit", args=[canned.pk]),
        {"name": "Saludo corto", "body_es": "Hola", "body_en": ""},
    )
    canned.refresh_from_db()
    assert (canned.name, canned.body_es, canned.body_en) == ("Saludo corto", "Hola", "")

    agent_client.post(reverse("desk:canned_delete", args=[canned.pk]))
    assert not CannedReply.objects.filter(pk=canned.pk).exists()


def test_a_canned_reply_is_refused_without_text_a_name_twice_or_an_unknown_placeholder(
    agent_client, l1_agent
):
    url = reverse("desk:canned_new")
    empty = agent_client.post(url, {"name": "Vacía", "body_es": " ", "body_en": ""})
    assert empty.context["form"].errors["body_es"]
    agent_client.post(url, {"name": "Saludo", "body_es": "Hola", "body_en": ""})
    twice = agent_client.post(url, {"name": "saludo", "body_es": "Otra", "body_en": ""})
    assert twice.context["form"].errors["name"]
    typo = agent_client.post(url, {"name": "Mal", "body_es": "Hola {{ nombre }}", "body_en": ""})
    assert "{{ nombre }}" in typo.context["form"].errors["body_es"][0]
    assert list(CannedReply.objects.values_list("name", flat=True)) == ["Saludo"]


def _canned(owner, name):
    return CannedReply.objects.create(owner=owner, name=name, body_es="x", updated_at=clock.now())


def test_the_database_keeps_a_name_once_per_owner_and_once_among_the_shared(l1_agent, l1_colleague):
    # Whatever writes the row (the admin, a bulk load, a race past the action's check).
    _canned(l1_agent, "Saludo")
    _canned(None, "Saludo")  # a shared one may share a name with someone's own
    _canned(l1_colleague, "Saludo")  # and two agents may each have theirs
    for owner, name in ((l1_agent, "saludo"), (None, "SALUDO")):
        with pytest.raises(IntegrityError), transaction.atomic():
            _canned(owner, name)
    assert CannedReply.objects.count() == 3


@pytest.mark.parametrize("shared", [False, True])
def test_a_twin_written_since_the_check_is_refused_at_the_name_field(
    login, supervisor, monkeypatch, shared
):
    # Another tab saved the same name between the action's check and its insert.
    owner = None if shared else supervisor
    _canned(owner, "Cierre")
    monkeypatch.setattr(desk_actions, "_name_taken", lambda *a, **k: False)
    client = login(supervisor.user)
    data = {"name": "cierre", "body_es": "Otra", "body_en": ""}
    if shared:
        data["shared"] = "on"
    response = client.post(reverse("desk:canned_new"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [
        "A canned reply of that name exists already."
    ]
    assert CannedReply.objects.count() == 1


def test_the_migration_renames_twins_left_from_before_the_unique_names(l1_agent, l1_colleague):
    # Drop the two indexes (rolled back with the test) to lay out what a live database may hold.
    with connection.cursor() as cursor:
        for index in ("canned_reply_name_once_per_owner", "canned_reply_name_once_shared"):
            cursor.execute(f"DROP INDEX {index}")
    shared = [_canned(None, n) for n in ("Saludo", "saludo", "Saludo (2)", "SALUDO")]
    mine = [_canned(l1_agent, n) for n in ("Cierre", "Cierre", "X" * 100, "x" * 100)]
    theirs = _canned(l1_colleague, "Cierre")
    migration = importlib.import_module("escala.desk.migrations.0010_canned_reply_name_once")
    migration.rename_twins(django_apps, None)

    def names(rows):
        return [CannedReply.objects.get(pk=r.pk).name for r in rows]

    # The oldest keeps its name; a later twin takes the first suffix nobody uses.
    assert names(shared) == ["Saludo", "saludo (3)", "Saludo (2)", "SALUDO (4)"]
    assert names(mine) == ["Cierre", "Cierre (2)", "X" * 100, "x" * 96 + " (2)"]
    assert names([theirs]) == ["Cierre"]
    keys = CannedReply.objects.annotate(key=Lower("name")).values_list("owner_id", "key")
    assert len(set(keys)) == len(keys)


def test_another_agents_canned_replies_are_neither_listed_nor_editable(
    login, l1_agent, l1_colleague, ticket
):
    mine = desk_actions.save_canned_reply(by=l1_agent.user, name="Mía", body_es="x", body_en="")
    other = login(l1_colleague.user)

    assert other.get(reverse("desk:canned_edit", args=[mine.pk])).status_code == 404
    assert other.post(reverse("desk:canned_delete", args=[mine.pk])).status_code == 404
    menu = other.get(reverse("desk:compose_canned", args=[ticket.pk])).content.decode()
    assert "Mía" not in menu
    assert CannedReply.objects.filter(pk=mine.pk).exists()


def test_shared_canned_replies_are_kept_by_supervisors_and_used_by_everyone(
    login, l1_agent, supervisor, ticket
):
    boss = login(supervisor.user)
    boss.post(
        reverse("desk:canned_new"),
        {
            "name": "Cierre",
            "body_es": "Gracias, {{ requester.name }}. Cerramos {{ ticket.reference }}.",
            "body_en": "Thanks, {{ requester.name }}.",
            "shared": "on",
        },
    )
    shared = CannedReply.objects.get(name="Cierre")
    assert shared.owner is None

    agent = login(l1_agent.user)
    # An agent may use it but neither change nor delete it, nor share their own.
    assert agent.get(reverse("desk:canned_edit", args=[shared.pk])).status_code == 404
    assert agent.post(reverse("desk:canned_delete", args=[shared.pk])).status_code == 404
    agent.post(
        reverse("desk:canned_new"), {"name": "Yo", "body_es": "x", "body_en": "", "shared": "on"}
    )
    assert CannedReply.objects.get(name="Yo").owner == l1_agent
    menu = agent.get(reverse("desk:compose_canned", args=[ticket.pk])).content.decode()
    # The requester's language (Spanish), the placeholders filled in.
    assert f"Gracias, {ticket.requester.name}. Cerramos {ticket.reference}." in menu


def test_a_requester_has_no_canned_replies(client, employee):
    client.force_login(employee.user)
    assert client.get(reverse("desk:canned_list")).status_code == 302
    with pytest.raises(Exception):  # noqa: B017, PT011 - any refusal
        desk_actions.save_canned_reply(by=employee.user, name="x", body_es="x", body_en="")


# --- Files dropped or pasted ---------------------------------------------------------------------


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)


def test_a_pasted_screenshot_is_attached_through_the_form(agent_client, ticket):
    shot = SimpleUploadedFile("screenshot-2026-12-05-0812.png", PNG, content_type="image/png")
    compose(agent_client, ticket, body="Mire la captura", attachments=shot)

    message = ticket.messages.get(body__startswith="Mire la captura")
    attachment = message.attachments.get()
    assert attachment.filename == "screenshot-2026-12-05-0812.png"
    assert attachment.content_type == "image/png"


def test_a_hostile_file_name_is_cleaned_and_a_forbidden_type_keeps_the_text(agent_client, ticket):
    bidi = SimpleUploadedFile("../../fac\u202etxt.png", PNG, content_type="image/png")
    compose(agent_client, ticket, body="Con nombre raro", attachments=bidi)
    stored = ticket.messages.get(body__startswith="Con nombre raro").attachments.get()
    assert "\u202e" not in stored.filename
    assert "/" not in stored.filename

    exe = SimpleUploadedFile("tool.exe", b"MZ", content_type="application/x-msdownload")
    response = compose(agent_client, ticket, body="Con un ejecutable", attachments=exe)
    assert response.status_code == 200
    assert response.context["forms"]["compose"].errors["attachments"]
    assert "Con un ejecutable</textarea>" in response.content.decode()
    assert not ticket.messages.filter(body__startswith="Con un ejecutable").exists()


def test_a_file_over_the_limit_is_refused(settings, agent_client, ticket):
    settings.ESCALA_MAX_ATTACHMENT_BYTES = 10
    big = SimpleUploadedFile("big.png", PNG, content_type="image/png")
    response = compose(agent_client, ticket, body="Grande", attachments=big)
    assert response.context["forms"]["compose"].errors["attachments"]


# --- Knowledge links ----------------------------------------------------------------------------


def test_article_links_offer_only_published_articles_the_requester_may_read(
    agent_client, ticket, l3_engineer, supervisor, l1_agent, l2_network_agent
):
    public = published_article(
        l1_agent,
        l2_network_agent,
        es=("Cierre de mes en el ERP", "Pasos para el cierre de mes."),
        en=("Month-end close in the ERP", "Steps for the month-end close."),
    )
    published_article(
        l3_engineer,
        supervisor,
        visibility=Visibility.INTERNAL,
        es=("Cierre de mes: parche interno", "Solo para agentes: cierre de mes."),
        en=("Month-end close: internal patch", "Agents only: month-end close."),
    )
    url = reverse("desk:compose_articles", args=[ticket.pk])

    html = agent_client.get(url, {"q": "cierre"}).content.decode()

    assert 'data-rb-insert="[Cierre de mes en el ERP](http://' in html
    assert f'/kb/{public.pk}/)"' in html
    assert "parche interno" not in html


# --- The page's cost -----------------------------------------------------------------------------


def test_the_ticket_page_costs_the_same_queries_with_the_reply_box(
    login, ticket, l1_agent, django_assert_max_num_queries
):
    for i in range(4):
        add_reply(ticket=ticket, by=l1_agent.user, body=f"r{i}", body_format="markdown")
        add_note(ticket=ticket, by=l1_agent.user, body=f"n{i}")
    client = login(l1_agent.user)
    client.get(reverse("desk:ticket", args=[ticket.pk]))  # warm-up
    # The page's bound (tests/desk/test_ticket_page_reads.py): the box's lists load on demand.
    with django_assert_max_num_queries(10):
        client.get(reverse("desk:ticket", args=[ticket.pk]))


def test_the_toolbar_lists_cost_a_constant_number_of_queries(login, ticket, l1_agent, supervisor):
    for i in range(12):
        desk_actions.save_canned_reply(
            by=supervisor.user, name=f"c{i}", body_es="Hola {{ requester.name }}", body_en="",
            shared=True,
        )  # fmt: skip
    client = login(l1_agent.user)
    url = reverse("desk:compose_canned", args=[ticket.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as twelve:
        client.get(url)
    CannedReply.objects.filter(name__in=[f"c{i}" for i in range(2, 12)]).delete()
    with CaptureQueriesContext(connection) as two:
        client.get(url)
    assert len(twelve.captured_queries) == len(two.captured_queries)


def test_an_unknown_message_format_is_refused(ticket, l1_agent):
    from escala.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        add_reply(ticket=ticket, by=l1_agent.user, body="x", body_format="html")


def test_mail_and_portal_messages_stay_plain_text(employee, categories, frozen_clock):
    created = create_ticket(
        requester=employee, subject="Hola", body="**no**", channel="portal", by=employee.user
    )
    assert created.messages.get().body_format == BodyFormat.TEXT


def test_a_macro_retired_meanwhile_is_refused_above_the_form_and_forgotten(agent_client, ticket):
    macro = Macro.objects.create(name_en="Old", name_es="Vieja", set_priority="high")
    Macro.objects.filter(pk=macro.pk).update(is_active=False)

    response = compose(agent_client, ticket, body="Texto guardado", macro=macro.pk)

    form = response.context["forms"]["compose"]
    assert "no longer in use" in form.non_field_errors()[0]
    page = response.content.decode()
    assert 'name="compose-macro" value=""' in page or 'name="compose-macro" id' in page
    assert f'name="compose-macro" value="{macro.pk}"' not in page
    assert "Texto guardado</textarea>" in page
    assert not ticket.messages.filter(body="Texto guardado").exists()


def test_an_administrator_keeps_the_shared_canned_replies(client, admin_user, ticket):
    client.force_login(admin_user)
    assert reverse("desk:canned_list") in client.get(reverse("desk:queue")).content.decode()
    client.post(reverse("desk:canned_new"), {"name": "Global", "body_es": "x", "body_en": ""})
    assert CannedReply.objects.get(name="Global").owner is None


def test_the_box_names_its_parts_once_each(agent_client, ticket):
    # The heading and the Write tab say "Write"; the choice of reply or note has its own name.
    url = reverse("desk:ticket", args=[ticket.pk])
    for language, name in (("en", "Message type"), ("es", "Tipo de mensaje")):
        html = agent_client.get(url, headers={"Accept-Language": language}).content.decode()
        legend = re.search(r"<legend[^>]*>\s*([^<*]+?)\s*<", html)
        assert legend is not None
        assert legend.group(1) == name
