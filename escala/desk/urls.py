from django.urls import path

from . import live_views, views

app_name = "desk"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("bulk/", views.bulk, name="bulk"),
    path("away/", views.away, name="away"),
    path("filters/", views.save_filter, name="save_filter"),
    path("filters/<int:pk>/delete/", views.delete_filter, name="delete_filter"),
    path("new/", views.new_ticket, name="new_ticket"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket"),
    path("live/queue/", live_views.queue_poll, name="live_queue"),
    path("live/tickets/<int:pk>/", live_views.ticket_poll, name="live_ticket"),
    path("live/tickets/<int:pk>/leave/", live_views.ticket_leave, name="live_leave"),
    path("tickets/<int:pk>/clocks/<slug:kind>/", views.clock_explain, name="clock_explain"),
    path("tickets/<int:pk>/<slug:action>/", views.ticket_action, name="action"),
]
