from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard_page, name="dashboard"),
    path("me/", views.my_figures, name="me"),
    path("csv/<slug:figure>/", views.figure_csv, name="csv"),
]
