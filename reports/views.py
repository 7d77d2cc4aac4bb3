"""The network reports, under /reports/: nation, region, hub and Work Group, the gaps, the trend.

Every page takes its filters from the query string, so a report is a URL to
share. Every table on a page downloads from the same URL with
``?format=csv&table=<key>`` or ``?format=xlsx`` (all the tables, one sheet
each; ``&table=`` for one). Downloads run the page's queries, nothing more.
"""

import re

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from hubs.models import Hub, Region
from workgroups.models import WorkGroup

from .access import ReportScope, reports_required
from .exports import csv_response, xlsx_response
from .forms import ReportFilterForm
from .pages.gaps import coverage_tables, hub_gap_tables
from .pages.network import network_tables
from .pages.trend import trend_table
from .pages.workgroups import workgroup_tables, workgroups_table
from .queries.filters import Filters, scoped_hubs
from .queries.gaps import closing_the_gaps
from .queries.network import network_report
from .queries.trend import yearly_totals
from .queries.workgroups import hub_workgroups, workgroup_report
from .tables import Table

FORMATS = {"csv", "xlsx"}
REGION_CODE = re.compile(r"[A-Za-z0-9]{1,9}")


def _respond(request, template: str, context: dict, tables: list[Table], stem: str):
    """The page, or one of its tables as a download when ``format`` asks for one."""
    query = {name: value for name, value in request.GET.items() if name not in ("format", "table")}
    for table in tables:
        table.link_downloads(query)
    fmt = request.GET.get("format")
    if fmt is None:
        context["tables"] = {table.key.replace("-", "_"): table for table in tables}
        return render(request, template, context)
    if fmt not in FORMATS:
        raise Http404("No such format.")
    key = request.GET.get("table")
    chosen = [table for table in tables if table.key == key] if key else tables
    if not chosen:
        raise Http404("No such table.")
    if fmt == "csv":
        return csv_response(chosen[0], f"{stem}-{chosen[0].key}")
    return xlsx_response(chosen, f"{stem}-{key}" if key else stem)


def _where(filters: Filters, scope: ReportScope) -> str:
    """The words a caption ends with to say what it covers."""
    parts = []
    if filters.region_name:
        parts.append(f"hubs based in {filters.region_name}")
    if not scope.national:
        parts.append("your hubs only")
    if filters.phase_label:
        parts.append(f"{filters.phase_label.lower()} phase")
    return f" ({'; '.join(parts)})" if parts else ""


def _total_label(filters: Filters) -> str:
    if filters.region_name:
        return f"All hubs based in {filters.region_name} (each school and teacher once)"
    return "England: all hubs (each school and teacher once)"


def _network_page(request, scope: ReportScope, form: ReportFilterForm, filters: Filters, region):
    hubs = scoped_hubs(filters, scope)
    report = network_report(
        filters,
        hubs,
        totals=scope.national,
        regions=scope.national and region is None and not filters.region_code,
    )
    where = _where(filters, scope)
    tables, chart = network_tables(report, filters, total_label=_total_label(filters), where=where)
    context = {
        "form": form,
        "filters": filters,
        "scope": scope,
        "region": region,
        "report": report,
        "chart": chart,
        "where": where,
    }
    stem = f"maths-hubs-{region.name if region else 'england'}-{filters.year}"
    return _respond(request, "reports/network.html", context, tables, stem)


@require_safe
@reports_required
def national(request, scope):
    """Every hub side by side for a year, with the national totals.

    Queries for NCETM staff: 1 session, 2 user, 3 regions (the filter),
    4 the hubs, then network_report's ten.
    """
    form = ReportFilterForm(request.GET or None)
    return _network_page(request, scope, form, form.filters(), None)


@require_safe
@reports_required
def region(request, scope, code: str):
    """The hubs based in one region, with the region's totals."""
    # ONS codes are letters and digits ("E12000001"); anything else is not
    # looked up (a NUL byte would make PostgreSQL fail rather than say 404).
    if not REGION_CODE.fullmatch(code):
        raise Http404("No such region.")
    region = get_object_or_404(Region, code=code)
    form = ReportFilterForm(request.GET or None, with_region=False)
    return _network_page(request, scope, form, form.filters(region=region), region)


@require_safe
@reports_required
def gaps(request, scope):
    """Closing the gaps: schools engaged by FSM band and by phase, per hub and overall."""
    form = ReportFilterForm(request.GET or None)
    filters = form.filters()
    hubs = scoped_hubs(filters, scope)
    report = closing_the_gaps(filters, [hub.pk for hub in hubs], union=True)
    where = _where(filters, scope)
    overall, chart = coverage_tables(
        report,
        report.union_bands,
        report.union_phases,
        year=filters.year_label,
        where=where,
    )
    tables = [*overall, *hub_gap_tables(report, hubs, filters, where=where)]
    context = {
        "form": form,
        "filters": filters,
        "scope": scope,
        "report": report,
        "chart": chart,
        "where": where,
        "hubs": hubs,
    }
    return _respond(
        request, "reports/gaps.html", context, tables, f"closing-the-gaps-{filters.year}"
    )


@require_safe
@reports_required
def trend(request, scope):
    """Totals for every academic year: national for NCETM staff, the reader's hubs otherwise."""
    form = ReportFilterForm(request.GET or None, with_year=False)
    filters = form.filters()
    hub_ids = None if scope.hub_ids is None else sorted(scope.hub_ids)
    rows = yearly_totals(filters, hub_ids)
    where = _where(filters, scope)
    table, chart = trend_table(rows, where=where)
    context = {"form": form, "filters": filters, "scope": scope, "chart": chart, "where": where}
    return _respond(request, "reports/trend.html", context, [table], "maths-hubs")


@require_safe
@reports_required
def hub(request, scope, slug: str):
    """One hub: its figures, its Work Groups, its area's schools by FSM band and phase, its trend."""
    hub = get_object_or_404(Hub.objects.select_related("region"), slug=slug)
    scope.check_hub(hub.pk)
    form = ReportFilterForm(request.GET or None, with_region=False)
    filters = form.filters()
    report = network_report(filters, [hub], totals=False)
    figures = report.rows[0].figures
    network, _chart = network_tables(report, filters, total_label="", where="", by_hub=False)
    groups = hub_workgroups(filters, hub)
    gaps_report = closing_the_gaps(filters, [hub.pk], union=False)
    coverage, fsm_chart = coverage_tables(
        gaps_report,
        gaps_report.hub_bands.get(hub.pk, {}),
        gaps_report.hub_phases.get(hub.pk, {}),
        year=filters.year_label,
        where=f" ({hub.name}\u2019s area)",
    )
    years = yearly_totals(Filters(year=filters.year, phase=filters.phase), [hub.pk])
    years_table, trend_chart = trend_table(years, where=f" ({hub.name})")
    tables = [
        network[0],
        network[1],
        workgroups_table(groups, filters, hub),
        *coverage,
        years_table,
    ]
    context = {
        "form": form,
        "filters": filters,
        "scope": scope,
        "hub": hub,
        "figures": figures,
        "groups": groups,
        "fsm_chart": fsm_chart,
        "trend_chart": trend_chart,
    }
    return _respond(request, "reports/hub.html", context, tables, f"{hub.slug}-{filters.year}")


@require_safe
@reports_required
def workgroup(request, scope, slug: str):
    """One Work Group: places, enrolments by status, attendance per session, its schools."""
    group = get_object_or_404(
        WorkGroup.objects.select_related("hub__region", "programme"), slug=slug
    )
    scope.check_hub(group.hub_id)
    report = workgroup_report(group)
    context = {"scope": scope, "workgroup": group, "hub": group.hub, "report": report}
    return _respond(
        request,
        "reports/workgroup.html",
        context,
        workgroup_tables(group, report),
        f"work-group-{group.slug}",
    )
