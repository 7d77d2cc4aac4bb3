"""The hub workspace's newsletter: /manage/<hub_slug>/newsletter/. Every view is behind
hub_team_required."""

from django.urls import path

from newsletters import views_manage as views

app_name = "manage-newsletters"

urlpatterns = [
    path("", views.home, name="home"),
    path("issues/new/", views.issue_new, name="issue-new"),
    path("issues/<int:pk>/", views.issue_detail, name="issue"),
    path("issues/<int:pk>/edit/", views.issue_edit, name="issue-edit"),
    path("issues/<int:pk>/test/", views.issue_test, name="issue-test"),
    path("issues/<int:pk>/send/", views.issue_send, name="issue-send"),
    path("subscribers.csv", views.subscribers_csv, name="subscribers-csv"),
]
