"""A teacher's own enrolments: join, withdraw, and My Work Groups."""

from django.http import HttpResponse


def join(request, slug: str):
    return HttpResponse("TODO")


def withdraw(request, pk: int):
    return HttpResponse("TODO")


def my_workgroups(request):
    return HttpResponse("TODO")
