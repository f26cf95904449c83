from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from escala.core import views as core_views
from escala.knowledge import urls as knowledge_urls

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("escala.api.urls")),
    path("healthz", core_views.healthz, name="healthz"),
    # Before any other /desk/ include: the mail quarantine lives under /desk/mail/.
    path("desk/mail/", include("escala.mail.urls")),
    # The knowledge base: before any "desk/" include, so /desk/kb/ is ours.
    path("kb/", include(knowledge_urls.portal)),
    path("desk/kb/", include(knowledge_urls.desk)),
    # Before any generic desk/ include: the reports own desk/reports/.
    path("desk/reports/", include("escala.reports.urls")),
    path("survey/", include("escala.surveys.urls")),
    path("", core_views.home, name="home"),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
