"""The hub workspace's exchange pages, under /manage/<hub_slug>/exchange/."""

from django.urls import path

from exchange import views_manage as views
from exchange import views_manage_showcases as showcases

app_name = "manage-exchange"

urlpatterns = [
    path("", views.home, name="home"),
    path("teachers/add/", views.nomination_add, name="nomination-add"),
    path(
        "teachers/<int:nomination_pk>/remove/",
        views.nomination_remove,
        name="nomination-remove",
    ),
    path("shanghai/add/", views.shanghai_add, name="shanghai-add"),
    path("shanghai/<int:shanghai_pk>/hosts/", views.shanghai_pair, name="shanghai-pair"),
    path("shanghai/<int:shanghai_pk>/remove/", views.shanghai_remove, name="shanghai-remove"),
    path("showcases/add/", showcases.showcase_add, name="showcase-add"),
    path("showcases/<int:showcase_pk>/", showcases.showcase_detail, name="showcase"),
    path("showcases/<int:showcase_pk>/edit/", showcases.showcase_edit, name="showcase-edit"),
    path("showcases/<int:showcase_pk>/open/", showcases.showcase_open, name="showcase-open"),
    path("showcases/<int:showcase_pk>/close/", showcases.showcase_close, name="showcase-close"),
    path("showcases/<int:showcase_pk>/notes/", showcases.showcase_notes, name="showcase-notes"),
]
