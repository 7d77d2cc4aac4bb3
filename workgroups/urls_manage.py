"""The hub workspace's Work Groups, under /manage/<hub_slug>/workgroups/.

Every view is behind hub_team_required and takes the hub's slug first.
"""

from django.urls import path

from workgroups import views_manage as views
from workgroups import views_manage_sessions as sessions

app_name = "manage-workgroups"

urlpatterns = [
    path("", views.workgroup_list, name="list"),
    path("new/", views.workgroup_create, name="create"),
    path("<int:pk>/", views.workgroup_detail, name="detail"),
    path("<int:pk>/edit/", views.workgroup_edit, name="edit"),
    path("<int:pk>/publish/", views.publish, name="publish"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/places/", views.places, name="places"),
    path("<int:pk>/completion/", views.completion, name="completion"),
    path("<int:pk>/participants.csv", views.export_csv, name="export"),
    path("<int:pk>/message/", sessions.message, name="message"),
    path("<int:pk>/evaluation/", sessions.evaluation, name="evaluation"),
    path("<int:pk>/sessions/new/", sessions.session_create, name="session-create"),
    path("<int:pk>/sessions/<int:session_pk>/edit/", sessions.session_edit, name="session-edit"),
    path(
        "<int:pk>/sessions/<int:session_pk>/delete/",
        sessions.session_delete,
        name="session-delete",
    ),
    path(
        "<int:pk>/sessions/<int:session_pk>/attendance/",
        sessions.attendance,
        name="attendance",
    ),
]
