from django.urls import path

from core.replica import reads_from_replica

from .views import campaign_lists, campaigns, cases, home, rankings

app_name = "dashboards"

# The paths the pages always had: the campaign and case dashboards sit beside the lists they drill down to.
# All but the home page read from the replica when there is one (core/replica.py).
urlpatterns = [
    path("", home.home, name="home"),
    path("campaigns/dashboard/", reads_from_replica(campaigns.campaign_dashboard), name="campaigns"),
    path("campaigns/dashboard/posted/", reads_from_replica(campaign_lists.dashboard_posted), name="campaign-posted"),
    path("campaigns/dashboard/posted/export.xlsx", reads_from_replica(campaign_lists.dashboard_posted_export), name="campaign-posted-export"),
    path("campaigns/dashboard/visits/", reads_from_replica(campaign_lists.dashboard_visits), name="campaign-visits"),
    path("campaigns/dashboard/visits/export.xlsx", reads_from_replica(campaign_lists.dashboard_visits_export), name="campaign-visits-export"),
    path("campaigns/dashboard/households/", reads_from_replica(campaign_lists.dashboard_households), name="campaign-households"),
    path("campaigns/dashboard/households/export.xlsx", reads_from_replica(campaign_lists.dashboard_households_export), name="campaign-households-export"),
    path("campaigns/dashboard/ratings/", reads_from_replica(campaign_lists.dashboard_ratings), name="campaign-ratings"),
    path("campaigns/dashboard/ratings/export.xlsx", reads_from_replica(campaign_lists.dashboard_ratings_export), name="campaign-ratings-export"),
    path("cases/dashboard/", reads_from_replica(cases.case_dashboard), name="cases"),
    path("rankings/", reads_from_replica(rankings.rankings), name="rankings"),
]
