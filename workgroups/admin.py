from django.contrib import admin

from workgroups.models import Enrolment, Programme, Session, WorkGroup


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active"]
    list_filter = ["is_active", "phases"]
    search_fields = ["name", "summary"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["phases"]


class SessionInline(admin.TabularInline):
    model = Session
    extra = 0


@admin.register(WorkGroup)
class WorkGroupAdmin(admin.ModelAdmin):
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
    readonly_fields = ["places_taken", "starts_on"]
    inlines = [SessionInline]


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
