from django.urls import path

from . import views

# Petitioners look their case up by number and phone: no login.
urlpatterns = [
    path("lookup/", views.lookup, name="lookup"),
]
