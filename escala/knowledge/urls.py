"""Mounted in escala/urls.py: `portal` at /kb/, `desk` at /desk/kb/ (before the console)."""

from django.urls import path

from . import views

portal = (
    [
        path("", views.portal_index, name="index"),
        path("<int:pk>/", views.portal_article, name="article"),
        path("<int:pk>/feedback/", views.portal_feedback, name="feedback"),
        path("deflect/", views.deflect, name="deflect"),
        path("deflect/<int:pk>/solved/", views.deflect_solved, name="deflect_solved"),
    ],
    "kb",
)

desk = (
    [
        path("", views.desk_index, name="index"),
        path("new/", views.desk_new, name="new"),
        path("<int:pk>/", views.desk_detail, name="detail"),
        path("<int:pk>/edit/", views.desk_edit, name="edit"),
        path("<int:pk>/state/", views.desk_transition, name="transition"),
        path("tickets/", views.desk_search, name="search"),
        path("tickets/<int:ticket_id>/", views.desk_ticket, name="ticket"),
        path("tickets/<int:ticket_id>/article/", views.desk_from_ticket, name="from_ticket"),
        path("tickets/<int:ticket_id>/panel/", views.ticket_panel, name="panel"),
        path("tickets/<int:ticket_id>/send/<int:pk>/", views.send_article, name="send"),
        path("tickets/<int:ticket_id>/suggestions/", views.ticket_suggestions, name="suggestions"),
        path("tickets/<int:ticket_id>/similar/", views.ticket_similar, name="similar"),
        path("tickets/<int:ticket_id>/insert/<int:pk>/", views.insert_article, name="insert"),
        path(
            "tickets/<int:ticket_id>/relate/<int:other_id>/",
            views.relate_ticket,
            name="relate",
        ),
    ],
    "desk_kb",
)
