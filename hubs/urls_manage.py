"""The hub workspace: /manage/<hub_slug>/... Every view is behind hub_team_required."""

from django.urls import path

from hubs import views_manage as views

app_name = "manage"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
]
