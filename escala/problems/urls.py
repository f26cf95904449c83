from django.urls import path

from . import major_views, views

app_name = "problems"

urlpatterns = [
    path("", views.problem_list, name="list"),
    path("major/", major_views.major_list, name="major_list"),
    path("major/new/", major_views.major_new, name="major_new"),
    path("major/<int:pk>/", major_views.major_detail, name="major_detail"),
    path("major/<int:pk>/update/", major_views.major_update, name="major_update"),
    path("major/<int:pk>/resolve/", major_views.major_resolve, name="major_resolve"),
    path("major/<int:pk>/link/", major_views.major_link, name="major_link"),
    path(
        "major/<int:pk>/link/<int:ticket_pk>/",
        major_views.major_link_ticket,
        name="major_link_ticket",
    ),
    path("new/", views.problem_new, name="new"),
    path("<int:pk>/", views.problem_detail, name="detail"),
    path("<int:pk>/unlink/<int:ticket_pk>/", views.unlink, name="unlink"),
    path("<int:pk>/answer/<int:ticket_pk>/", views.answer, name="answer"),
    path("<int:pk>/link/<int:ticket_pk>/", views.link_from_ticket, name="link_ticket"),
    path("<int:pk>/<slug:action>/", views.problem_action, name="action"),
    path("for-ticket/<int:ticket_pk>/", views.ticket_panel, name="ticket_panel"),
]
