from django.urls import path

from . import find_views, requester_views, views

app_name = "desk"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("bulk/", views.bulk, name="bulk"),
    path("away/", views.away, name="away"),
    path("filters/", views.save_filter, name="save_filter"),
    path("filters/<int:pk>/delete/", views.delete_filter, name="delete_filter"),
    path("new/", views.new_ticket, name="new_ticket"),
    path("find/", find_views.find, name="find"),
    path("requesters/<int:pk>/", requester_views.requester, name="requester"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket"),
    path("tickets/<int:pk>/presence/", views.ticket_presence, name="presence"),
    path("tickets/<int:pk>/clocks/<slug:kind>/", views.clock_explain, name="clock_explain"),
    path("tickets/<int:pk>/<slug:action>/", views.ticket_action, name="action"),
]
