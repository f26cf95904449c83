from django.contrib import admin

from .models import BouncedAddress, InboundMail, MailAlert, Mailbox, Outbox, ThreadId


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    list_display = [
        "name", "address", "sender_policy", "default_category", "is_trusted", "is_active",
        "imap_host",
    ]  # fmt: skip
    list_filter = ["sender_policy", "is_active"]


@admin.register(InboundMail)
class InboundMailAdmin(admin.ModelAdmin):
    list_display = [
        "received_at", "sender", "subject", "status", "outcome", "auth_result", "ticket"
    ]  # fmt: skip
    list_filter = ["status", "outcome", "auth_result", "source"]
    search_fields = ["sender", "subject", "message_id"]
    exclude = ["raw_column"]
    raw_id_fields = ["ticket", "filed_message", "decided_by"]


@admin.register(Outbox)
class OutboxAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "to", "subject", "status", "attempts"]
    list_filter = ["status", "kind"]
    raw_id_fields = ["ticket"]


@admin.register(ThreadId)
class ThreadIdAdmin(admin.ModelAdmin):
    list_display = ["message_id", "ticket", "outgoing", "created_at"]
    raw_id_fields = ["ticket"]


@admin.register(MailAlert)
class MailAlertAdmin(admin.ModelAdmin):
    list_display = ["last_at", "kind", "key", "count", "resolved_at"]
    list_filter = ["kind"]
    raw_id_fields = ["last_mail", "resolved_by"]


@admin.register(BouncedAddress)
class BouncedAddressAdmin(admin.ModelAdmin):
    list_display = ["address", "status", "count", "last_at"]
    search_fields = ["address"]
    raw_id_fields = ["ticket"]
