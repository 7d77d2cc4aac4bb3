from django.urls import path

from workgroups.views import calendar, catalogue, enrolments

app_name = "workgroups"

urlpatterns = [
    path("workgroups/", catalogue.workgroup_list, name="list"),
    path("workgroups/<slug:slug>/", catalogue.workgroup_detail, name="detail"),
    path("workgroups/<slug:slug>/join/", enrolments.join, name="join"),
    path("my/workgroups/", enrolments.my_workgroups, name="mine"),
    path("my/enrolments/<int:pk>/withdraw/", enrolments.withdraw, name="withdraw"),
    path("my/calendar/reset/", calendar.calendar_reset, name="calendar-reset"),
    path("calendar/<str:token>.ics", calendar.calendar_feed, name="calendar"),
]
