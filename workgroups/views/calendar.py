"""The teacher's private iCalendar feed of their sessions."""

from django.http import HttpResponse


def calendar_feed(request, token: str):
    return HttpResponse("TODO")


def calendar_reset(request):
    return HttpResponse("TODO")
