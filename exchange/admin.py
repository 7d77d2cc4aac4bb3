from django.contrib import admin

from exchange.models import (
    ExchangeTeacher,
    ExchangeYear,
    ObserverRegistration,
    Pairing,
    ShanghaiTeacher,
    Showcase,
)


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
class ExchangeTeacherAdmin(admin.ModelAdmin):
    # The hub's lead nominates through the workspace, which locks the hub row
    # while counting; the admin relies on the same clean() check.
    list_display = ["teacher_name", "school", "hub", "exchange_year", "phase"]
    list_filter = ["exchange_year", "phase", "hub"]
    list_select_related = ["school", "hub", "exchange_year"]
    search_fields = ["teacher_name", "school__name"]
    raw_id_fields = ["school"]


class PairingInline(admin.TabularInline):
    model = Pairing
    extra = 0
    raw_id_fields = ["english_teacher"]


@admin.register(ShanghaiTeacher)
class ShanghaiTeacherAdmin(admin.ModelAdmin):
    list_display = ["name", "shanghai_school", "hub", "exchange_year", "phase"]
    list_filter = ["exchange_year", "phase", "hub"]
    list_select_related = ["hub", "exchange_year"]
    search_fields = ["name", "shanghai_school"]
    inlines = [PairingInline]


@admin.register(Showcase)
class ShowcaseAdmin(admin.ModelAdmin):
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
    readonly_fields = ["places_taken", "notes_recorded_at"]


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
