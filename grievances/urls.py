from django.urls import path

from core.replica import reads_from_replica

from . import views

app_name = "grievances"

urlpatterns = [
    path("", reads_from_replica(views.case_list), name="list"),  # the list, its export and the ledger: from the replica if any
    path("export.xlsx", reads_from_replica(views.case_export), name="export"),
    path("new/", views.case_register, name="register"),
    path("callbacks/", views.callbacks, name="callbacks"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read/", views.inbox_read, name="inbox-read-all"),
    path("inbox/<int:pk>/read/", views.inbox_read, name="inbox-read"),
    path("notifications/", views.notification_settings, name="notification-settings"),
    path("rectification/", reads_from_replica(views.rectification_ledger), name="rectification"),
    path("rectification/export.xlsx", reads_from_replica(views.rectification_ledger), {"export": True}, name="rectification-export"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/review/", views.case_request_review, name="review"),
    path("<int:pk>/repeat/", views.case_link_repeat, name="link-repeat"),
    path("<int:pk>/attachments/<int:attachment_pk>/", views.case_attachment, name="attachment"),
    path("<int:pk>/<str:action>/", views.case_move, name="move"),
    path("<int:pk>/<str:action>/confirm/", views.case_confirm_move, name="confirm-move"),
]
