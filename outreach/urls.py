from django.contrib import admin
from django.urls import include, path

from . import health

urlpatterns = [
    path("", include("dashboards.urls")),  # the home page, both dashboards and the rankings
    path("accounts/", include("accounts.urls")),
    path("campaigns/", include("campaigns.urls")),
    path("work/", include("campaigns.urls_fieldwork")),
    path("flags/", include("campaigns.urls_flags")),  # 核查提示: numbers that look fabricated
    path("", include("campaigns.urls_public")),
    path("cases/", include("grievances.urls")),
    path("", include("grievances.urls_public")),
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("demo/", include("demo.urls")),
]
