from django.urls import path

from .views import campaigns, cases, home, rankings

app_name = "dashboards"

# The paths the pages always had: the campaign and case dashboards sit beside the lists they drill down to.
urlpatterns = [
    path("", home.home, name="home"),
    path("campaigns/dashboard/", campaigns.campaign_dashboard, name="campaigns"),
    path("campaigns/dashboard/visits/", campaigns.dashboard_visits, name="campaign-visits"),
    path("campaigns/dashboard/visits/export.xlsx", campaigns.dashboard_visits_export, name="campaign-visits-export"),
    path("cases/dashboard/", cases.case_dashboard, name="cases"),
    path("rankings/", rankings.rankings, name="rankings"),
]
