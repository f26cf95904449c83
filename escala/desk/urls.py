from django.urls import path

from . import (
    composer,
    find_views,
    live_views,
    queue_views,
    reply_settings,
    requester_views,
    views,
)

app_name = "desk"

urlpatterns = [
    path("", queue_views.queue, name="queue"),
    path("bulk/", queue_views.bulk, name="bulk"),
    path("away/", queue_views.away, name="away"),
    path("filters/", queue_views.save_filter, name="save_filter"),
    path("filters/<int:pk>/delete/", queue_views.delete_filter, name="delete_filter"),
    path("new/", views.new_ticket, name="new_ticket"),
    path("find/", find_views.find, name="find"),
    path("requesters/<int:pk>/", requester_views.requester, name="requester"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket"),
    path("live/queue/", live_views.queue_poll, name="live_queue"),
    path("live/tickets/<int:pk>/", live_views.ticket_poll, name="live_ticket"),
    path("live/tickets/<int:pk>/leave/", live_views.ticket_leave, name="live_leave"),
    path("tickets/<int:pk>/clocks/<slug:kind>/", views.clock_explain, name="clock_explain"),
    path("tickets/<int:pk>/preview/", composer.preview, name="preview"),
    path("tickets/<int:pk>/compose/macros/", composer.macro_menu, name="compose_macros"),
    path("tickets/<int:pk>/compose/canned/", composer.canned_menu, name="compose_canned"),
    path("tickets/<int:pk>/compose/articles/", composer.article_menu, name="compose_articles"),
    path("tickets/<int:pk>/<slug:action>/", views.ticket_action, name="action"),
    path("settings/", reply_settings.my_settings, name="my_settings"),
    path("canned/", reply_settings.canned_list, name="canned_list"),
    path("canned/new/", reply_settings.canned_edit, name="canned_new"),
    path("canned/<int:pk>/", reply_settings.canned_edit, name="canned_edit"),
    path("canned/<int:pk>/delete/", reply_settings.canned_delete, name="canned_delete"),
]
