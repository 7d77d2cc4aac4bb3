"""The people: the NCETM analyst, a lead for every hub and every teacher drawn."""

import itertools
import random
from datetime import date, time, timedelta

from accounts.models import User
from demo.vocabulary import FIRST_NAMES, JOB_ROLES, LAST_NAMES
from demo.world import weighted
from hubs.models import HubMembership

from .base import DAY, UNUSABLE_PASSWORD, london_time, utc
from .marks import EMAIL_DOMAIN, NCETM_EMAIL


class PeopleStage:
    """Writes everyone last, each joined a little before their first activity."""

    def _teacher_name(self, t: int) -> str:
        # Derived from the index, so a teacher keeps the same name wherever it appears.
        rng = random.Random(f"{self.seed}:name:{t}")
        return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"

    def _users(self) -> None:
        rng = self.rng("users")
        first_ts = london_time(date(self.years[0], 9, 1), time(9)).timestamp()
        fields = ["id", "password", "email", "full_name", "is_staff", "is_active",
                  "is_superuser", "is_ncetm_staff", "date_joined", "school", "job_role",
                  "profile_completed_at", "calendar_token"]  # fmt: skip
        joined = london_time(date(self.years[0], 7, 1), time(9))
        staff = [
            (self.ncetm_id, UNUSABLE_PASSWORD, NCETM_EMAIL, "NCETM Network Analyst", False, True,
             False, True, joined, None, "", None, f"gen-ncetm-{self.seed}")
        ]  # fmt: skip
        for hub, hub_obj in enumerate(self.hubs):
            staff.append(
                (self.lead_ids[hub], UNUSABLE_PASSWORD, f"lead.{hub_obj.slug}@{EMAIL_DOMAIN}",
                 f"{hub_obj.name} Lead", False, True, False, False, joined, None, "", None,
                 f"gen-lead-{hub}-{self.seed}")
            )  # fmt: skip

        def teachers():
            for t, user_id in enumerate(self.teacher_ids):
                seen = self.first_activity.get(t)
                if seen is None:
                    seen = rng.uniform(first_ts, self.now_ts)
                when = utc(seen - rng.uniform(1, 90) * DAY)
                school = self.schools[self.teacher_school[t]]
                role = weighted(rng, JOB_ROLES)
                yield (
                    user_id, UNUSABLE_PASSWORD, f"t{t + 1:06d}@{EMAIL_DOMAIN}",
                    self._teacher_name(t), False, True, False, False, when, school.id, role,
                    when + timedelta(minutes=rng.randint(2, 30)),
                    f"gen{t:07d}{rng.getrandbits(96):024x}",
                )  # fmt: skip

        rows = itertools.chain(staff, teachers())
        total = len(staff) + len(self.teacher_ids)
        self.writer.copy(
            User, fields, self.bar(iterable=rows, total=total, desc="People", unit=" users"),
            "people",
        )  # fmt: skip
        self.writer.copy(
            User.phases.through,
            ["user", "teachingphase"],
            (
                (user_id, self.phases[code])
                for t, user_id in enumerate(self.teacher_ids)
                for code in self.teacher_phases[t]
            ),
            "teachers' phases",
        )
        self.writer.copy(
            HubMembership,
            ["hub", "user", "role", "created_at"],
            (
                (hub.pk, self.lead_ids[i], HubMembership.Role.LEAD, joined)
                for i, hub in enumerate(self.hubs)
            ),
            "hub memberships",
        )
