"""Each hub's part in the national projects, and its funding and spending."""

from collections import defaultdict
from datetime import date, time, timedelta

from demo.vocabulary import (
    EXCHANGE_PROJECT,
    FIRST_NAMES,
    LAST_NAMES,
    PROGRAMME_PROJECT,
    PROJECT_TAKE_UP,
    SPEND_CATEGORIES,
    TEACHER_PHASES,
)
from demo.world import money
from hubs.models import School
from hubs_portal.lib.academic_year import academic_year_of
from projects.models import Allocation, ProjectParticipation, ProjectSchool, Spend, Sponsor

from .base import london_time


class ProjectStage:
    """Participations with their schools and Work Groups (written after the exchange's
    are added), then each hub's allocations and spending."""

    def _eligible_schools(self, hub: int, phase_codes) -> list[int]:
        wanted = set(phase_codes)
        return [
            s
            for s in self.hub_schools[hub]
            if self.schools[s].status == School.Status.OPEN
            and wanted
            & {p for options, _ in TEACHER_PHASES[self.schools[s].phase] for p in options}
        ]

    def _projects(self) -> None:
        rng = self.rng("projects")
        project_phases = {
            slug: list(p.phases.values_list("code", flat=True)) or ["primary", "secondary"]
            for slug, p in self.projects.items()
        }
        self.participations, self.project_schools, links = [], [], []
        schools = self.project_schools
        for hub in range(len(self.hubs)):
            eligible = {
                slug: self._eligible_schools(hub, project_phases[slug]) for slug in self.projects
            }
            for slug, project in self.projects.items():
                if slug == EXCHANGE_PROJECT:
                    continue  # its schools are the nominated teachers': see _exchange
                chance, fewest, most = PROJECT_TAKE_UP.get(slug, (0.5, 3, 8))
                for year in self.years:
                    if not project.is_active_in(year) or rng.random() > chance:
                        continue
                    pid = self._participation(rng, hub, project, year, fewest, most)
                    pool = eligible[slug] or self.hub_schools[hub]
                    # The counts are for the real network; a smaller one has fewer schools.
                    wanted = max(1, round(rng.randint(fewest, most) * min(self.scale, 1.0)))
                    chosen = rng.sample(pool, min(len(pool), wanted))
                    for i, s in enumerate(chosen):
                        if i == 0:
                            part = ProjectSchool.Part.LEAD
                        else:
                            part = rng.choices(
                                [ProjectSchool.Part.PARTICIPANT, ProjectSchool.Part.PILOT,
                                 ProjectSchool.Part.OTHER],
                                [80, 15, 5],
                            )[0]  # fmt: skip
                        schools.append((pid, self.schools[s].id, part))
                    for programme, project_slug in PROGRAMME_PROJECT.items():
                        if project_slug == slug:
                            for wg_id in self.national_groups.get((hub, year, programme), ()):
                                links.append((pid, wg_id))
        self.project_links = links
        # Written with the exchange's participations, at the end of _exchange.

    def _participation(self, rng, hub, project, year, fewest=2, most=3) -> int:
        pid = self.ids[ProjectParticipation].take()
        stamp = london_time(date(year, 9, 1) + timedelta(days=rng.randint(0, 40)), time(10))
        self.participations.append(
            (
                pid, self.hubs[hub].pk, project.pk, year,
                f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                f"Involve {rng.randint(fewest, most)} schools this year.",
                "Targets met; see the evaluation report." if year < self.current_year else "",
                stamp, stamp,
            )
        )  # fmt: skip
        return pid

    def _write_projects(self) -> None:
        self.writer.copy(
            ProjectParticipation,
            ["id", "hub", "project", "academic_year", "local_lead", "targets", "outcomes",
             "created_at", "updated_at"],
            self.participations,
            "project participations",
        )  # fmt: skip
        self.writer.copy(
            ProjectParticipation.workgroups.through,
            ["projectparticipation", "workgroup"],
            self.project_links,
            "project Work Groups",
        )
        self.writer.copy(
            ProjectSchool, ["participation", "school", "part"], self.project_schools,
            "project schools",
        )  # fmt: skip

    # --- Funding ---

    def _funding(self) -> None:
        rng = self.rng("funding")
        by_hub_year = defaultdict(list)
        for row in self.participations:
            by_hub_year[row[1], row[3]].append(row[2])
        allocations, spends = [], []
        categories = list(SPEND_CATEGORIES)
        category_weights = [w for w, _ in SPEND_CATEGORIES.values()]
        for hub, hub_obj in enumerate(self.hubs):
            lead = self.lead_ids[hub]
            for i, year in enumerate(self.years):
                growth = 1 + 0.03 * i
                total = 0.0
                day = london_time(date(year, 9, 1), time(9))
                structural = rng.uniform(180_000, 320_000) * growth
                allocations.append(
                    (hub_obj.pk, year, Sponsor.DFE, Allocation.Category.STRUCTURAL, None,
                     money(structural), "Structural funding", lead, day)
                )  # fmt: skip
                total += structural
                projects = by_hub_year.get((hub_obj.pk, year), [])
                for project in projects:
                    amount = rng.uniform(10_000, 90_000) * growth
                    sponsor = Sponsor.EEF if rng.random() < 0.05 else Sponsor.DFE
                    allocations.append(
                        (hub_obj.pk, year, sponsor, Allocation.Category.PROJECT, project,
                         money(amount), "", lead, day + timedelta(days=rng.randint(0, 30)))
                    )  # fmt: skip
                    total += amount
                first = date(year, 9, 1)
                last = min(date(year + 1, 8, 31), self.today)
                if last < first:
                    continue
                share = (last - first).days / 365
                spent = total * rng.uniform(0.86, 1.0) * min(share, 1.0)
                n_lines = max(3, round(rng.randint(30, 60) * min(share, 1.0)))
                lines = rng.choices(categories, weights=category_weights, k=n_lines)
                parts = [rng.uniform(0.5, 1.5) for _ in lines]
                whole = sum(parts)
                for category, part in zip(lines, parts, strict=True):
                    spent_on = first + timedelta(days=rng.randint(0, (last - first).days))
                    project = rng.choice(projects) if projects and rng.random() < 0.3 else None
                    recorded = min(
                        london_time(spent_on, time(15)) + timedelta(days=rng.randint(0, 20)),
                        self.now,
                    )
                    spends.append(
                        (hub_obj.pk, academic_year_of(spent_on), category, project,
                         money(spent * part / whole), SPEND_CATEGORIES[category][1], spent_on,
                         lead, recorded)
                    )  # fmt: skip
        self.writer.copy(
            Allocation,
            ["hub", "academic_year", "sponsor", "category", "project", "amount", "note",
             "recorded_by", "recorded_at"],
            allocations,
            "funding allocations",
        )  # fmt: skip
        self.writer.copy(
            Spend,
            ["hub", "academic_year", "category", "project", "amount", "description", "spent_on",
             "recorded_by", "recorded_at"],
            spends,
            "spending records",
        )  # fmt: skip
