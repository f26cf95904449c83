from django.urls import path

from . import views

urlpatterns = [
    path("security/", views.security, name="account_security"),
    path("link/", views.sign_in_link, name="account_sign_in_link"),
    path("link/<str:token>/", views.link_sign_in, name="account_link_sign_in"),
    path("register/", views.register, name="account_register"),
    path("register/<str:token>/", views.register_confirm, name="account_register_confirm"),
]
