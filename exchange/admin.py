from django.contrib import admin

from exchange import services
from exchange.models import (
    ExchangeTeacher,
    ExchangeYear,
    ObserverRegistration,
    Pairing,
    ShanghaiTeacher,
    Showcase,
)
from hubs_portal.lib.admin import ServiceAdmin


@admin.register(ExchangeYear)
class ExchangeYearAdmin(admin.ModelAdmin):
    list_display = [
        "label",
        "english_visit_start",
        "english_visit_end",
        "shanghai_visit_start",
        "shanghai_visit_end",
    ]
    ordering = ["-academic_year"]
    fieldsets = [
        (None, {"fields": ["academic_year"]}),
        (
            "English teachers in Shanghai (two weeks)",
            {"fields": ["english_visit_start", "english_visit_end"]},
        ),
        (
            "Shanghai teachers in England (a fortnight)",
            {"fields": ["shanghai_visit_start", "shanghai_visit_end"]},
        ),
    ]


@admin.register(ExchangeTeacher)
class ExchangeTeacherAdmin(ServiceAdmin):
    """Nominating and removing go through the services, as in the workspace (the hub row
    locked while counting, a host of a Shanghai teacher kept, both audited)."""

    list_display = ["teacher_name", "school", "hub", "exchange_year", "phase"]
    list_filter = ["exchange_year", "phase", "hub"]
    list_select_related = ["school", "hub", "exchange_year"]
    search_fields = ["teacher_name", "school__name"]
    raw_id_fields = ["school"]
    refusals = (services.ExchangeRefused,)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            services.nomination_add(hub=obj.hub, user=request.user, nomination=obj)

    def delete_model(self, request, obj):
        services.nomination_remove(nomination=obj, user=request.user)


class PairingInline(admin.TabularInline):
    """Who hosts whom changes in the workspace (services.shanghai_teacher_pair: one
    school's teachers, audited)."""

    model = Pairing
    extra = 0
    raw_id_fields = ["english_teacher"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ShanghaiTeacher)
class ShanghaiTeacherAdmin(ServiceAdmin):
    list_display = ["name", "shanghai_school", "hub", "exchange_year", "phase"]
    list_filter = ["exchange_year", "phase", "hub"]
    list_select_related = ["hub", "exchange_year"]
    search_fields = ["name", "shanghai_school"]
    inlines = [PairingInline]
    refusals = (services.ExchangeRefused,)

    def delete_model(self, request, obj):
        services.shanghai_teacher_remove(guest=obj, user=request.user)


# Moving through these takes the workspace's buttons: draft, open, closed.
SHOWCASE_STEPS = {
    (Showcase.Status.DRAFT, Showcase.Status.OPEN): services.showcase_open,
    (Showcase.Status.OPEN, Showcase.Status.CLOSED): services.showcase_close,
}


@admin.register(Showcase)
class ShowcaseAdmin(ServiceAdmin):
    """Changes go through the services, as in the workspace: a new showcase is a draft,
    places never fall below the observers registered, every change is audited."""

    list_display = [
        "class_and_topic",
        "hub",
        "host_school",
        "starts_at",
        "status",
        "places_taken",
        "observer_places",
    ]
    list_filter = ["status", "exchange_year", "hub"]
    list_select_related = ["hub", "host_school"]
    search_fields = ["class_and_topic", "host_school__name"]
    raw_id_fields = ["host_school", "shanghai_teacher"]
    refusals = (services.ExchangeRefused,)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ["status", "places_taken", "discussion_notes", "notes_recorded_at"]
        return ["hub", "places_taken", "notes_recorded_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            services.showcase_create(hub=obj.hub, user=request.user, showcase=obj)
            return
        saved = Showcase.objects.get(pk=obj.pk)
        fields = {
            name: form.cleaned_data[name]
            for name in form.changed_data
            if name not in {"status", "discussion_notes"}
        }
        if fields:
            services.showcase_update(showcase_id=obj.pk, user=request.user, fields=fields)
        if "discussion_notes" in form.changed_data:
            services.showcase_notes_save(
                showcase_id=obj.pk, notes=obj.discussion_notes, user=request.user
            )
        if obj.status != saved.status:
            step = SHOWCASE_STEPS.get((saved.status, obj.status))
            if step is None:
                raise services.ExchangeRefused(
                    f"A showcase cannot go from {saved.get_status_display().lower()} to "
                    f"{obj.get_status_display().lower()}: it goes from draft to open to closed."
                )
            step(showcase_id=obj.pk, user=request.user)


@admin.register(ObserverRegistration)
class ObserverRegistrationAdmin(admin.ModelAdmin):
    # Registrations move places: they change only through the services.
    list_display = ["teacher", "showcase", "school", "status", "created_at"]
    list_filter = ["status"]
    list_select_related = ["teacher", "showcase", "school"]
    search_fields = ["teacher__email", "teacher__full_name"]
    readonly_fields = ["showcase", "teacher", "school", "status", "created_at", "cancelled_at"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
