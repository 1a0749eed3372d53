from django.urls import path

from . import views

# Petitioners submit a matter online and look their case up by number and phone: no login.
urlpatterns = [
    path("lookup/", views.lookup, name="lookup"),
    path("submit/", views.submit, name="submit"),
    path("submit/code/", views.submit_code, name="submit-code"),
    path("submit/done/", views.submitted, name="submitted"),
]
