from django.contrib import admin
from django.urls import include, path

from campaigns.views.public import rate
from grievances import views as grievance_views

from . import demo_robot, health, views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("campaigns/", include("campaigns.urls")),
    path("work/", include("campaigns.urls_fieldwork")),
    path("rate/<str:token>/", rate, name="rate"),
    path("cases/", include("grievances.urls")),
    path("lookup/", grievance_views.lookup, name="lookup"),
    path("rankings/", views.rankings, name="rankings"),
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("demo/robot/<int:unit_id>/", demo_robot.receive, name="demo-robot"),  # DEBUG only: the demo's loopback group robot
]
