from django.contrib import admin

from hubs_portal.lib.admin import ServiceAdmin
from workgroups import services
from workgroups.models import Enrolment, Programme, Session, WorkGroup


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active"]
    list_filter = ["is_active", "phases"]
    search_fields = ["name", "summary"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["phases"]


class SessionInline(admin.TabularInline):
    """Sessions change in the hub's workspace (services.session_save and session_delete:
    audited, and a session with attendance is never deleted)."""

    model = Session
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Moving through these takes the workspace's buttons: draft, open, closed.
STATUS_STEPS = {
    (WorkGroup.Status.DRAFT, WorkGroup.Status.OPEN): services.workgroup_publish,
    (WorkGroup.Status.OPEN, WorkGroup.Status.CLOSED): services.workgroup_close,
}


@admin.register(WorkGroup)
class WorkGroupAdmin(ServiceAdmin):
    """Changes go through the services, as in the workspace: a new group starts as a
    draft, more places go to the waiting list, every change is in the hub's history."""

    list_display = [
        "title",
        "hub",
        "academic_year",
        "status",
        "capacity",
        "places_taken",
        "starts_on",
    ]
    list_filter = ["status", "academic_year", "delivery", "phases", "hub__region", "programme"]
    search_fields = ["title", "hub__name", "slug"]
    list_select_related = ["hub"]
    autocomplete_fields = ["hub", "programme"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["phases"]
    inlines = [SessionInline]
    refusals = (services.WorkGroupChangeRefused,)

    def get_readonly_fields(self, request, obj=None):
        # A new group is a draft with a name of its own (services.workgroup_create);
        # a group stays with its hub.
        if obj is None:
            return ["status", "slug", "places_taken", "starts_on"]
        return ["hub", "places_taken", "starts_on"]

    def get_prepopulated_fields(self, request, obj=None):
        return {} if obj is None else self.prepopulated_fields

    def save_model(self, request, obj, form, change):
        phases = form.cleaned_data["phases"]
        if not change:
            services.workgroup_create(hub=obj.hub, user=request.user, workgroup=obj, phases=phases)
            return
        saved = WorkGroup.objects.get(pk=obj.pk)
        described = {
            name: form.cleaned_data[name]
            for name in form.changed_data
            if name not in {"capacity", "status", "phases"}
        }
        services.workgroup_update(workgroup=obj, user=request.user, fields=described, phases=phases)
        if obj.capacity != saved.capacity:
            services.workgroup_set_capacity(
                workgroup_id=obj.pk, capacity=obj.capacity, user=request.user
            )
        if obj.status != saved.status:
            step = STATUS_STEPS.get((saved.status, obj.status))
            if step is None:
                raise services.WorkGroupChangeRefused(
                    f"A Work Group cannot go from {saved.get_status_display().lower()} to "
                    f"{obj.get_status_display().lower()}: it goes from draft to open to closed."
                )
            step(workgroup_id=obj.pk, user=request.user)


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    # Status changes go through the services (places and waiting lists must
    # stay in step), so the admin shows enrolments but does not edit them.
    list_display = ["teacher", "workgroup", "status", "requested_at", "confirmed_at"]
    list_filter = ["status", "workgroup__academic_year", "workgroup__hub__region"]
    search_fields = ["teacher__email", "teacher__full_name", "workgroup__title"]
    list_select_related = ["teacher", "workgroup"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
