from django.urls import path

from .views import app
from .views import fieldwork as views

app_name = "work"

urlpatterns = [
    path("", views.my_work, name="home"),
    path("sw.js", app.service_worker, name="service-worker"),
    path("manifest.webmanifest", app.manifest, name="manifest"),
    path("offline/", app.offline, name="offline"),
    path("village.json", app.village_bundle, name="village-bundle"),
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/session/", views.outbox_session, name="outbox-session"),
    path("check-in/", views.check_in, name="check-in"),
    path("households/", views.household_list, name="households"),
    path("households/new/", views.household_edit, name="household-new"),
    path("households/offline/", app.household_offline, name="household-offline"),
    path("households/<int:pk>/", views.household_detail, name="household"),
    path("households/<int:pk>/edit/", views.household_edit, name="household-edit"),
    path("households/<int:pk>/conflicts/<int:edit_pk>/", views.household_conflict, name="household-conflict"),
    path("visits/new/", views.visit_new, name="visit-new"),
    path("visits/new/households/", views.household_picker, name="household-picker"),
    path("visits/<int:pk>/", views.visit_detail, name="visit"),
    path("visits/<int:pk>/edit/", views.visit_edit, name="visit-edit"),
    path("visits/<int:pk>/photos/<int:photo_pk>/", views.visit_photo, name="visit-photo"),
    path("diary/", views.diary, name="diary"),
    path("diary/print/", views.diary_print, name="diary-print"),
    path("households/<int:pk>/pair/", views.pair, name="pair"),
    path("absent/", views.absent, name="absent"),
    path("rating-link/<int:target_pk>/", views.rating_link, name="rating-link"),
    path("rating-link/<int:target_pk>/cards/", views.rating_cards, name="rating-cards"),
    path("ledger/<int:target_pk>/", views.ledger, name="ledger"),
    path("ledger/<int:target_pk>/export.xlsx", views.ledger, {"export": True}, name="ledger-export"),
]
