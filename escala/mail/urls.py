from django.urls import path

from . import views

app_name = "mail"

urlpatterns = [
    path("", views.quarantine, name="quarantine"),
    path("<int:mail_id>/", views.detail, name="detail"),
    path("<int:mail_id>/raw/", views.raw, name="raw"),
    path("<int:mail_id>/act/", views.act, name="act"),
    path("alerts/", views.alert_list, name="alerts"),
    path("alerts/<int:alert_id>/resolve/", views.resolve_alert, name="resolve_alert"),
    path("bounces/<int:bounce_id>/clear/", views.clear_bounce, name="clear_bounce"),
]
