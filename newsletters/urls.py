"""Public newsletter pages, under /newsletter/."""

from django.urls import path

from newsletters import views

app_name = "newsletters"

urlpatterns = [
    path("<slug:hub_slug>/subscribe/", views.subscribe, name="subscribe"),
    path("<slug:hub_slug>/check-your-email/", views.subscribe_done, name="subscribe-done"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
