from django.contrib import admin

from projects.models import Allocation, NationalProject, ProjectParticipation, ProjectSchool, Spend


@admin.register(NationalProject)
class NationalProjectAdmin(admin.ModelAdmin):
    """NCETM staff correct the national list here (load_reference_data never overwrites it)."""

    list_display = ["name", "first_year", "last_year", "sponsor"]
    list_filter = ["sponsor", "phases"]
    search_fields = ["name", "summary"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["phases"]
    autocomplete_fields = ["partners"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """A hub's records change in its workspace, where every change is in the audit trail;
    the admin shows them without changing them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ProjectSchoolInline(admin.TabularInline):
    model = ProjectSchool
    extra = 0
    fields = ["school", "part"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ProjectParticipation)
class ProjectParticipationAdmin(ReadOnlyAdmin):
    list_display = ["project", "hub", "academic_year", "local_lead"]
    list_filter = ["project", "academic_year", "hub__region"]
    search_fields = ["hub__name", "project__name", "local_lead"]
    list_select_related = ["hub", "project"]
    inlines = [ProjectSchoolInline]


@admin.register(Allocation)
class AllocationAdmin(ReadOnlyAdmin):
    list_display = ["hub", "academic_year", "category", "project", "sponsor", "amount"]
    list_filter = ["academic_year", "category", "sponsor", "hub__region"]
    search_fields = ["hub__name", "note"]
    list_select_related = ["hub", "project"]


@admin.register(Spend)
class SpendAdmin(ReadOnlyAdmin):
    list_display = ["hub", "spent_on", "category", "project", "amount", "description"]
    list_filter = ["academic_year", "category", "hub__region"]
    search_fields = ["hub__name", "description"]
    list_select_related = ["hub", "project"]
