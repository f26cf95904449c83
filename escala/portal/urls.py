from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("requests/new/", views.new_request, name="new_request"),
    path("requests/<int:pk>/", views.ticket_detail, name="ticket"),
    path("requests/<int:pk>/<slug:action>/", views.ticket_action, name="action"),
]
