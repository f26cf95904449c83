from allauth.account import views as allauth_views
from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from escala.accounts import views as account_views
from escala.knowledge import urls as knowledge_urls
from escala.portal import views as portal_views
from escala.problems import major_views as problem_views

urlpatterns = [
    # The admin signs in through the one rate-limited, two-factor-aware sign-in page.
    path("admin/login/", account_views.admin_login, name="admin_login"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", allauth_views.login, name="login"),
    path("accounts/logout/", allauth_views.logout, name="logout"),
    path("accounts/", include("escala.accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("", include("escala.api.urls")),
    # issue 16: /healthz, /readyz, /metrics (not public: ESCALA_METRICS_TOKEN)
    path("", include("escala.ops.urls")),
    # Before any other /desk/ include: the mail quarantine lives under /desk/mail/.
    path("desk/mail/", include("escala.mail.urls")),
    # The knowledge base: before any "desk/" include, so /desk/kb/ is ours.
    path("kb/", include(knowledge_urls.portal)),
    path("desk/kb/", include(knowledge_urls.desk)),
    # Before any generic desk/ include: the reports own desk/reports/.
    path("desk/reports/", include("escala.reports.urls")),
    path("desk/problems/", include("escala.problems.urls")),
    path("desk/notifications/", include("escala.notifications.urls")),
    path(
        "known-issues/<int:pk>/affects-me/",
        problem_views.affects_me,
        name="known_issue_affects_me",
    ),
    path("survey/", include("escala.surveys.urls")),
    path("language/", portal_views.set_language, name="set_language_remembered"),
    path("attachments/<int:pk>/", portal_views.attachment, name="attachment"),
    path("desk/", include("escala.desk.urls")),
    path("", include("escala.portal.urls")),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
