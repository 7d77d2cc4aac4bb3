"""The exchange's public pages, under /exchange/."""

from django.urls import path, re_path

from exchange import views

app_name = "exchange"

urlpatterns = [
    path("", views.year_list, name="years"),
    # A school year as it is written: /exchange/2016-17/.
    re_path(r"^(?P<label>[0-9]{4}-[0-9]{2})/$", views.year_detail, name="year"),
    path("showcases/<int:pk>/", views.showcase_detail, name="showcase"),
    path("showcases/<int:pk>/register/", views.register, name="register"),
    path("showcases/<int:pk>/cancel/", views.cancel, name="cancel"),
]
