from django.urls import path

from .views.public import rate

# Residents rate the work team from the QR code on the rating card: no login.
urlpatterns = [
    path("rate/<str:token>/", rate, name="rate"),
]
