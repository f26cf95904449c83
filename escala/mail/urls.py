from django.urls import path

from . import views

app_name = "mail"

urlpatterns = [
    path("", views.quarantine, name="quarantine"),
    path("<int:mail_id>/", views.detail, name="detail"),
    path("<int:mail_id>/raw/", views.raw, name="raw"),
    path("<int:mail_id>/act/", views.act, name="act"),
]
