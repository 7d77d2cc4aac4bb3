from django.contrib import admin
from django.db.models import Count

from hubs import services
from hubs.models import (
    AuditEntry,
    Hub,
    HubMembership,
    LeadershipTeamMember,
    LocalAuthority,
    Organisation,
    Partnership,
    Region,
    School,
)
from hubs_portal.lib.admin import ServiceAdmin


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "gias_gor_code"]
    search_fields = ["name", "code"]


@admin.register(LocalAuthority)
class LocalAuthorityAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "region", "gss_code"]
    list_filter = ["region"]
    search_fields = ["name", "code", "gss_code"]
    list_select_related = ["region"]


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "urn",
        "local_authority",
        "phase",
        "status",
        "postcode",
        "fsm_percentage",
    ]
    list_filter = ["status", "phase", "local_authority__region"]
    search_fields = ["name", "=urn", "postcode"]
    list_select_related = ["local_authority"]
    autocomplete_fields = ["local_authority"]
    show_full_result_count = False


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "website"]
    list_filter = ["kind"]
    search_fields = ["name"]


class PartnershipInline(admin.TabularInline):
    model = Partnership
    extra = 0
    autocomplete_fields = ["school", "organisation"]
    fields = ["role", "school", "organisation", "recorded_name", "status", "start_date", "end_date"]


class LeadershipTeamInline(admin.TabularInline):
    model = LeadershipTeamMember
    extra = 0


class RecordedLeadFilter(admin.SimpleListFilter):
    """Hubs whose lead school is still a name, not a school from the register."""

    title = "lead school link"
    parameter_name = "lead_link"

    def lookups(self, request, model_admin):
        return [("unlinked", "Lead school not linked to the register"), ("none", "No lead school")]

    def queryset(self, request, queryset):
        if self.value() == "unlinked":
            return queryset.filter(
                partnerships__role=Partnership.Role.LEAD_SCHOOL,
                partnerships__school__isnull=True,
            ).distinct()
        if self.value() == "none":
            return queryset.exclude(partnerships__role=Partnership.Role.LEAD_SCHOOL)
        return queryset


@admin.register(Hub)
class HubAdmin(admin.ModelAdmin):
    list_display = ["name", "region", "area_status", "authority_count", "contact_email"]
    list_filter = ["region", "area_status", RecordedLeadFilter]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["local_authorities"]
    inlines = [PartnershipInline, LeadershipTeamInline]
    list_select_related = ["region"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(authority_total=Count("local_authorities"))

    @admin.display(description="local authorities", ordering="authority_total")
    def authority_count(self, hub):
        return hub.authority_total


@admin.register(Partnership)
class PartnershipAdmin(admin.ModelAdmin):
    list_display = ["__str__", "hub", "role", "status", "start_date", "end_date"]
    list_filter = ["role", "status", "hub__region", "hub"]
    search_fields = ["recorded_name", "school__name", "organisation__name", "hub__name"]
    autocomplete_fields = ["hub", "school", "organisation"]
    list_select_related = ["hub", "school", "organisation"]


@admin.register(LeadershipTeamMember)
class LeadershipTeamMemberAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "hub", "email"]
    list_filter = ["role", "hub__region", "hub"]
    search_fields = ["name", "email", "hub__name"]
    list_select_related = ["hub"]


@admin.register(HubMembership)
class HubMembershipAdmin(ServiceAdmin):
    """NCETM staff grant hub roles here (hub leads manage their own team in the workspace),
    through the same services: audited, and a hub is never left without a lead."""

    list_display = ["user", "hub", "role", "created_at"]
    list_filter = ["role", "hub__region", "hub"]
    search_fields = ["user__email", "user__full_name", "hub__name"]
    autocomplete_fields = ["user", "hub"]
    list_select_related = ["user", "hub"]
    refusals = (services.TeamChangeRefused,)

    def get_readonly_fields(self, request, obj=None):
        # Someone else, or another hub, is another membership.
        return [] if obj is None else ["user", "hub"]

    def save_model(self, request, obj, form, change):
        if change:
            services.membership_role_change(membership=obj, role=obj.role, by=request.user)
        else:
            added = services.membership_add(
                hub=obj.hub, user=obj.user, role=obj.role, by=request.user
            )
            obj.pk, obj.created_at, obj._state.adding = added.pk, added.created_at, False

    def delete_model(self, request, obj):
        services.membership_remove(membership=obj, by=request.user)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "hub", "user", "action", "content_type", "object_repr"]
    list_filter = ["action", "content_type", "hub"]
    search_fields = ["object_repr", "user__email", "hub__name"]
    list_select_related = ["hub", "user", "content_type"]
    date_hierarchy = "at"
    readonly_fields = [field.name for field in AuditEntry._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
