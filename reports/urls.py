from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.national, name="national"),
    path("gaps/", views.gaps, name="gaps"),
    path("trend/", views.trend, name="trend"),
    path("regions/<str:code>/", views.region, name="region"),
    path("hubs/<slug:slug>/", views.hub, name="hub"),
    path("workgroups/<slug:slug>/", views.workgroup, name="workgroup"),
]
