from django.urls import path

from .views import flags

app_name = "flags"

urlpatterns = [
    path("", flags.flag_list, name="list"),
    path("<int:pk>/", flags.flag_detail, name="detail"),
    path("<int:pk>/review/", flags.flag_review, name="review"),
    path("<int:pk>/explain/", flags.flag_explain, name="explain"),
]
