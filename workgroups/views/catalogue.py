"""The public catalogue: browse, filter and read about Work Groups."""

from django.http import HttpResponse


def workgroup_list(request):
    return HttpResponse("TODO")


def workgroup_detail(request, slug: str):
    return HttpResponse("TODO")
