"""The hub workspace's funding, under /manage/<hub_slug>/funding/.

Every view is behind hub_team_required and takes the hub's slug first.
"""

from django.urls import path

from projects import views_manage_funding as views

app_name = "manage-funding"

urlpatterns = [
    path("", views.funding_home, name="home"),
    path("allocations/new/", views.allocation_add, name="allocation-add"),
    path(
        "allocations/<int:allocation_pk>/remove/",
        views.allocation_remove,
        name="allocation-remove",
    ),
    path("spending/new/", views.spend_add, name="spend-add"),
    path("spending/<int:spend_pk>/remove/", views.spend_remove, name="spend-remove"),
]
