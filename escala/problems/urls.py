from django.urls import path

from . import views

app_name = "problems"

urlpatterns = [
    path("", views.problem_list, name="list"),
    path("new/", views.problem_new, name="new"),
    path("<int:pk>/", views.problem_detail, name="detail"),
    path("<int:pk>/unlink/<int:ticket_pk>/", views.unlink, name="unlink"),
    path("<int:pk>/answer/<int:ticket_pk>/", views.answer, name="answer"),
    path("<int:pk>/link/<int:ticket_pk>/", views.link_from_ticket, name="link_ticket"),
    path("<int:pk>/<slug:action>/", views.problem_action, name="action"),
    path("for-ticket/<int:ticket_pk>/", views.ticket_panel, name="ticket_panel"),
]
