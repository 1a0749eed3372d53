from django.urls import path

from . import robot

app_name = "demo"

urlpatterns = [
    path("robot/<int:unit_id>/", robot.receive, name="robot"),  # DEBUG only: the demo's loopback group robot
]
