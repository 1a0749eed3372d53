from django.urls import path

from .views import campaign_lists, campaigns, cases, home, rankings

app_name = "dashboards"

# The paths the pages always had: the campaign and case dashboards sit beside the lists they drill down to.
urlpatterns = [
    path("", home.home, name="home"),
    path("campaigns/dashboard/", campaigns.campaign_dashboard, name="campaigns"),
    path("campaigns/dashboard/posted/", campaign_lists.dashboard_posted, name="campaign-posted"),
    path("campaigns/dashboard/posted/export.xlsx", campaign_lists.dashboard_posted_export, name="campaign-posted-export"),
    path("campaigns/dashboard/visits/", campaign_lists.dashboard_visits, name="campaign-visits"),
    path("campaigns/dashboard/visits/export.xlsx", campaign_lists.dashboard_visits_export, name="campaign-visits-export"),
    path("campaigns/dashboard/households/", campaign_lists.dashboard_households, name="campaign-households"),
    path("campaigns/dashboard/households/export.xlsx", campaign_lists.dashboard_households_export, name="campaign-households-export"),
    path("campaigns/dashboard/ratings/", campaign_lists.dashboard_ratings, name="campaign-ratings"),
    path("campaigns/dashboard/ratings/export.xlsx", campaign_lists.dashboard_ratings_export, name="campaign-ratings-export"),
    path("cases/dashboard/", cases.case_dashboard, name="cases"),
    path("rankings/", rankings.rankings, name="rankings"),
]
