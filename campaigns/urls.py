from django.urls import path

from .views import setup as views

app_name = "campaigns"

urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("new/", views.campaign_create, name="create"),
    path("<int:pk>/", views.campaign_detail, name="detail"),
    path("<int:pk>/edit/", views.campaign_edit, name="edit"),
    path("<int:pk>/activate/", views.campaign_activate, name="activate"),
    path("<int:pk>/close/", views.campaign_close, name="close"),
    path("<int:pk>/changes/", views.campaign_events, name="events"),
    path("<int:pk>/villages/add/", views.villages_add, name="villages-add"),
    path("<int:pk>/villages/<int:target_pk>/", views.village_detail, name="village"),
    path("<int:pk>/villages/<int:target_pk>/assign/", views.village_assign, name="village-assign"),
    path("<int:pk>/villages/<int:target_pk>/remove/", views.village_remove, name="village-remove"),
    path("<int:pk>/assignments/<int:assignment_pk>/end/", views.assignment_end, name="assignment-end"),
    path("<int:pk>/assignments/<int:assignment_pk>/leader/", views.assignment_leader, name="assignment-leader"),
    path("<int:pk>/assignments/<int:assignment_pk>/move/", views.assignment_reassign, name="assignment-move"),
    path("imports/", views.import_list, name="imports"),
    path("imports/new/", views.import_new, name="import-new"),
    path("imports/<int:pk>/", views.import_detail, name="import-detail"),
    path("imports/<int:pk>/progress/", views.import_progress, name="import-progress"),
    path("imports/templates/<str:kind>.<str:extension>", views.import_template, name="import-template"),
    path("imports/villages.xlsx", views.village_codes, name="village-codes"),
    path("villages/points/", views.village_points, name="village-points"),
    path("villages/points/confirm/", views.village_point_confirm, name="village-point-confirm"),
]
