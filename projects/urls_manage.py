"""The hub workspace's projects, under /manage/<hub_slug>/projects/.

Every view is behind hub_team_required and takes the hub's slug first.
"""

from django.urls import path

from projects import views_manage as views

app_name = "manage-projects"

urlpatterns = [
    path("", views.participation_list, name="list"),
    path("new/", views.participation_create, name="create"),
    path("<int:participation_pk>/", views.participation_detail, name="detail"),
    path("<int:participation_pk>/edit/", views.participation_edit, name="edit"),
    path("<int:participation_pk>/delete/", views.participation_delete, name="delete"),
    path("<int:participation_pk>/schools/add/", views.school_add, name="school-add"),
    path(
        "<int:participation_pk>/schools/<int:project_school_pk>/remove/",
        views.school_remove,
        name="school-remove",
    ),
    path("<int:participation_pk>/workgroups/", views.workgroups, name="workgroups"),
]
