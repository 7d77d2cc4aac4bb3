"""Admin pages whose changes go through the app's services.

Where a change has rules (places and waiting lists, status steps, the audit
trail), the admin calls the same service the workspace does, from its
``save_model`` and ``delete_model``. A service refuses by raising one of the
admin's ``refusals``: the admin's view runs in one transaction, so nothing of
the change is kept, and the refusal is shown on the page the person came from.
"""

from django.contrib import admin, messages
from django.db import transaction
from django.http import HttpResponseRedirect


class ServiceAdmin(admin.ModelAdmin):
    refusals: tuple[type[Exception], ...] = ()

    def _refused(self, request, refusal: Exception, url: str | None = None):
        self.message_user(request, str(refusal), messages.ERROR)
        return HttpResponseRedirect(url or request.get_full_path())

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except self.refusals as refusal:
            return self._refused(request, refusal)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except self.refusals as refusal:
            return self._refused(request, refusal)

    def changelist_view(self, request, extra_context=None):
        try:
            return super().changelist_view(request, extra_context)
        except self.refusals as refusal:
            return self._refused(request, refusal)

    def delete_queryset(self, request, queryset) -> None:
        """Each one through ``delete_model`` (and so the service), all or none."""
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)
