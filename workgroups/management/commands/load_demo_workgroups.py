"""Demo Work Groups for every hub, this academic year and last, from a fixed seed."""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from hubs.models import Hub, TeachingPhase
from hubs_portal.lib.academic_year import Term, current_academic_year
from workgroups.models import Enrolment, Programme, Session, WorkGroup

SEED = 2026
# Every demo group's slug starts with this, so the demo can be found and reset
# without touching Work Groups that hubs entered themselves.
DEMO_PREFIX = "demo-"
GROUPS_THIS_YEAR = 5
GROUPS_LAST_YEAR = 2

PROGRAMMES = [
    (
        "teaching-for-mastery",
        "Teaching for Mastery",
        ["primary", "secondary"],
        "Schools develop teaching for mastery across the whole school, supported by a Mastery "
        "Specialist, over several years.",
    ),
    (
        "mastering-number",
        "Mastering Number",
        ["eyfs", "primary"],
        "Secure foundations in number for children from Reception to Year 2, through short, "
        "frequent sessions in class.",
    ),
    (
        "mastering-number-ks2",
        "Mastering Number at KS2",
        ["primary"],
        "Fluency in multiplication and division facts and the number sense behind them in "
        "Years 3 and 4.",
    ),
    (
        "subject-knowledge-enhancement",
        "Subject Knowledge Enhancement",
        ["primary", "secondary"],
        "Deeper subject and pedagogical knowledge for teachers who are new to teaching maths or "
        "to a phase.",
    ),
    (
        "post-16-core-maths",
        "Post-16 Core Maths",
        ["post16"],
        "Help for schools and colleges that teach, or plan to teach, Core Maths qualifications.",
    ),
    (
        "pd-lead-programme",
        "Professional Development Lead programme",
        ["primary", "secondary", "post16"],
        "Prepares experienced teachers to design and lead professional development in maths, "
        "leading to accreditation.",
    ),
]


@dataclass(frozen=True)
class Plan:
    title: str
    programme: str | None
    phases: tuple[str, ...]
    description: str
    local_need: str = ""
    audience: str = WorkGroup.Audience.TEACHERS


PLANS = [
    Plan(
        "Developing Number Skills in Early Years",
        "mastering-number",
        ("eyfs",),
        "Practitioners explore how young children come to understand number, and plan short, "
        "playful activities that build subitising, counting and comparison.",
    ),
    Plan(
        "Effective EYFS Transition",
        None,
        ("eyfs", "primary"),
        "Reception and Year 1 teachers look together at what children know about number when "
        "they move up, and agree approaches that carry on from one class to the next.",
        local_need="Schools in the area reported that children's confidence with number dips "
        "as they move from Reception into Year 1.",
    ),
    Plan(
        "Teaching for Mastery in Mixed Age Classes",
        "teaching-for-mastery",
        ("primary",),
        "Teachers in small schools plan mastery lessons that keep a mixed-age class learning "
        "together, and compare how they structure the same topic for two year groups.",
        audience=WorkGroup.Audience.MIXED_AGE,
    ),
    Plan(
        "Reasoning in the Primary Classroom",
        None,
        ("primary",),
        "Teachers try questions and sentence stems that ask pupils to explain and justify, and "
        "look at how pupils' reasoning develops over a term.",
        local_need="Local results showed pupils could calculate accurately but struggled to "
        "explain their methods.",
    ),
    Plan(
        "Variation and the CPA Approach",
        "teaching-for-mastery",
        ("primary", "secondary"),
        "Teachers design sequences of examples that vary one thing at a time, and move between "
        "concrete, pictorial and abstract representations of the same idea.",
    ),
    Plan(
        "Mastering Proportionality in Years 5 and 6",
        None,
        ("primary",),
        "Teachers build pupils' understanding of ratio, scaling and fractions of amounts, using "
        "bar models and double number lines.",
        local_need="Secondary partners asked for stronger proportional reasoning in pupils "
        "arriving in Year 7.",
    ),
    Plan(
        "Developing the Use of Textbooks",
        "teaching-for-mastery",
        ("primary",),
        "Schools using a high-quality textbook learn to plan from it, adapt it for their classes "
        "and use its questions to check understanding.",
    ),
    Plan(
        "Deepening Mathematical Thinking",
        None,
        ("secondary",),
        "Teachers plan tasks that ask pupils to generalise, conjecture and prove, and discuss "
        "how to challenge every pupil without moving them on to new content.",
        local_need="Departments in the area want more of their pupils to think mathematically "
        "rather than follow procedures.",
    ),
    Plan(
        "Working with HLTAs and LSAs",
        None,
        ("primary",),
        "Teaching assistants and the teachers they work with plan how to support pupils in "
        "maths lessons so that they keep up rather than catch up.",
        local_need="Schools asked how to make the best use of teaching assistants in maths "
        "lessons.",
        audience=WorkGroup.Audience.TEACHING_ASSISTANTS,
    ),
    Plan(
        "Developing Mastery within the SEN Context",
        "teaching-for-mastery",
        ("primary", "secondary"),
        "Teachers in special schools and resourced provisions adapt mastery approaches for "
        "pupils with special educational needs, in small steps and with careful use of "
        "representations.",
        audience=WorkGroup.Audience.SEND,
    ),
    Plan(
        "Teaching for Mastery and High Attainers",
        "teaching-for-mastery",
        ("secondary",),
        "Teachers look at how to deepen the understanding of pupils who grasp ideas quickly, "
        "keeping the class together.",
    ),
    Plan(
        "ICCAMS: Algebra and Multiplicative Structures",
        None,
        ("secondary",),
        "Key Stage 3 teachers use formative assessment lessons on algebra and multiplicative "
        "reasoning drawn from the ICCAMS research.",
        local_need="Algebra was the weakest area in the hub's analysis of Key Stage 3 assessments.",
    ),
    Plan(
        "Subject Knowledge Enhancement for Primary Teachers",
        "subject-knowledge-enhancement",
        ("primary",),
        "Primary teachers strengthen their own understanding of the maths they teach, from place "
        "value to fractions, and how it connects across the year groups.",
    ),
    Plan(
        "Subject Knowledge Enhancement for Teachers New to Maths",
        "subject-knowledge-enhancement",
        ("secondary",),
        "Teachers trained in another subject who now teach maths at Key Stage 3 build the subject "
        "knowledge they need.",
    ),
    Plan(
        "Mastering Fractions",
        None,
        ("primary",),
        "Teachers explore fractions as numbers, using the number line and bar models, and plan "
        "lessons that tackle common misconceptions.",
        local_need="Fractions came up as the topic teachers in the area felt least confident "
        "teaching.",
    ),
    Plan(
        "Mastering Number: Reception to Year 2",
        "mastering-number",
        ("eyfs", "primary"),
        "Teachers learn to run short daily number sessions that build fluency and number sense in "
        "Reception, Year 1 and Year 2.",
    ),
    Plan(
        "Mastering Number at KS2: Multiplicative Fluency",
        "mastering-number-ks2",
        ("primary",),
        "Year 3 and Year 4 teachers help pupils become fluent with times tables by understanding "
        "the structures behind them.",
    ),
    Plan(
        "Getting Started with Core Maths",
        "post-16-core-maths",
        ("post16",),
        "Schools and colleges planning to offer Core Maths see how others teach it, plan their "
        "first units and share resources.",
    ),
    Plan(
        "Professional Development Lead Programme",
        "pd-lead-programme",
        ("primary", "secondary"),
        "Experienced teachers learn to design and lead Work Groups of their own, with coaching "
        "and feedback from the hub.",
        audience=WorkGroup.Audience.LEADERS,
    ),
]

GAP_TASKS = [
    "Teach one lesson using a variation sequence from the session, and bring two pieces of "
    "pupils' work that show what they understood.",
    "Ask three pupils to explain a method aloud and note the words they use. Bring your notes.",
    "Try the starter activity with your class on three days and record what changed.",
    "Plan a lesson with a colleague, observe each other teach it, and write down one thing "
    "you would change.",
    "Choose one representation (a bar model or a number line) and use it in every lesson for "
    "a week. What did pupils do with it?",
    "Give your class the short assessment from the session and sort the answers into "
    "misconceptions.",
    "Read the article shared in the session and pick one idea to try in class.",
    "Film five minutes of your teaching (with permission) and bring a moment to discuss.",
]

LEAD_ROLES = [
    "A Primary Mastery Specialist",
    "A Secondary Mastery Specialist",
    "An accredited Professional Development Lead",
    "A Specialist Leader of Education",
    "The hub's Maths Lead",
]

# (first day, last day) of each term's window for a first session, by month and day,
# and the gap between sessions in days.
TERM_WINDOWS = {
    Term.AUTUMN: ((9, 15), (11, 20), (21, 42)),
    Term.SPRING: ((1, 8), (3, 10), (21, 35)),
    Term.SUMMER: ((4, 20), (5, 15), (14, 20)),
}
TIMES = [(time(9, 30), time(15, 30)), (time(13, 30), time(16, 0)), (time(16, 0), time(17, 30))]


class Command(BaseCommand):
    help = (
        "Create demo Work Groups with sessions for every hub, for this academic year and the "
        "last, from a fixed seed. Does nothing if they already exist, unless --reset."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the demo Work Groups (and any enrolments in them) and create them again.",
        )

    @transaction.atomic
    def handle(self, *args, reset: bool = False, **options):
        hubs = list(Hub.objects.with_current_leads().order_by("slug"))
        if not hubs:
            raise CommandError("No hubs yet: run `manage.py load_reference_data` first.")
        demo = WorkGroup.objects.filter(slug__startswith=DEMO_PREFIX)
        if demo.exists():
            if not reset:
                self.stdout.write(
                    f"Demo Work Groups already loaded ({demo.count()}); use --reset to load "
                    "them again."
                )
                return
            Enrolment.objects.filter(workgroup__in=demo).delete()
            demo.delete()

        programmes = self._programmes()
        phases = {phase.code: phase for phase in TeachingPhase.objects.all()}
        missing = {code for plan in PLANS for code in plan.phases} - set(phases)
        if missing:
            raise CommandError(
                f"Teaching phases missing ({', '.join(sorted(missing))}): run `manage.py migrate`."
            )
        rng = random.Random(SEED)
        today = timezone.localdate()
        this_year = current_academic_year()

        groups, group_phases, group_sessions = [], [], []
        for hub in hubs:
            lead_school = hub.current_leads[0].partner_name if hub.current_leads else ""
            for year, how_many in (
                (this_year - 1, GROUPS_LAST_YEAR),
                (this_year, GROUPS_THIS_YEAR),
            ):
                for plan in rng.sample(PLANS, how_many):
                    group, sessions = self._workgroup(
                        rng, hub, lead_school, plan, year, programmes, today
                    )
                    groups.append(group)
                    group_phases.append([phases[code] for code in plan.phases])
                    group_sessions.append(sessions)

        WorkGroup.objects.bulk_create(groups)
        Through = WorkGroup.phases.through
        Through.objects.bulk_create(
            Through(workgroup_id=group.pk, teachingphase_id=phase.pk)
            for group, phase_list in zip(groups, group_phases, strict=True)
            for phase in phase_list
        )
        # bulk_create skips Session.save(): starts_on and the term were set above.
        sessions = []
        for group, session_list in zip(groups, group_sessions, strict=True):
            for session in session_list:
                session.workgroup = group
                sessions.append(session)
        Session.objects.bulk_create(sessions)

        open_now = sum(1 for g in groups if g.status == WorkGroup.Status.OPEN)
        self.stdout.write(
            f"Demo Work Groups: {len(groups)} for {len(hubs)} hubs ({open_now} open), "
            f"{len(sessions)} sessions, {len(programmes)} national programmes."
        )

    def _programmes(self) -> dict[str, Programme]:
        programmes = {}
        for slug, name, phase_codes, summary in PROGRAMMES:
            programme, created = Programme.objects.get_or_create(
                slug=slug, defaults={"name": name, "summary": summary}
            )
            if created:
                programme.phases.set(TeachingPhase.objects.filter(code__in=phase_codes))
            programmes[slug] = programme
        return programmes

    def _workgroup(self, rng, hub, lead_school, plan, year, programmes, today):
        term = self._term(rng, year, today)
        (start_month, start_day), (end_month, end_day), (gap_min, gap_max) = TERM_WINDOWS[term]
        calendar_year = year if term == Term.AUTUMN else year + 1
        window_start = date(calendar_year, start_month, start_day)
        window_days = (date(calendar_year, end_month, end_day) - window_start).days
        day = _weekday(window_start + timedelta(days=rng.randint(0, window_days)))

        delivery = rng.choices(
            [WorkGroup.Delivery.IN_PERSON, WorkGroup.Delivery.ONLINE, WorkGroup.Delivery.BLENDED],
            weights=[6, 2, 2],
        )[0]
        starts, ends = rng.choice(TIMES)
        gap_tasks = rng.sample(GAP_TASKS, 4)
        sessions = []
        session_count = rng.choice([3, 3, 4])
        for order in range(1, session_count + 1):
            online = delivery == WorkGroup.Delivery.ONLINE or (
                delivery == WorkGroup.Delivery.BLENDED and order % 2 == 0
            )
            sessions.append(
                Session(
                    order=order,
                    starts_at=timezone.make_aware(datetime.combine(day, starts)),
                    ends_at=timezone.make_aware(datetime.combine(day, ends)),
                    is_online=online,
                    venue_name="" if online else lead_school,
                    # Gap tasks fall between sessions: none after the last.
                    gap_task=gap_tasks[order - 1] if order < session_count else "",
                )
            )
            day = _weekday(day + timedelta(days=rng.randint(gap_min, gap_max)))

        first_day = timezone.localdate(sessions[0].starts_at)
        if year < current_academic_year():
            status = WorkGroup.Status.CLOSED
        else:
            status = rng.choices(
                [WorkGroup.Status.OPEN, WorkGroup.Status.CLOSED, WorkGroup.Status.DRAFT],
                weights=[86, 7, 7],
            )[0]
        programme = programmes[plan.programme] if plan.programme else None
        cost = Decimal(0)
        if programme is None and rng.random() < 0.2:
            cost = Decimal(rng.choice([40, 60, 75, 120]))
        role = rng.choice(LEAD_ROLES)
        group = WorkGroup(
            hub=hub,
            title=plan.title,
            slug=f"{DEMO_PREFIX}{slugify(plan.title)[:60]}-{hub.slug}-{year}",
            programme=programme,
            local_need=plan.local_need,
            audience=plan.audience,
            description=plan.description,
            delivery=delivery,
            academic_year=year,
            capacity=rng.randint(12, 30),
            eligibility=_eligibility(plan),
            application_deadline=first_day - timedelta(days=rng.randint(7, 21)),
            cost=cost,
            status=status,
            lead_name=f"{role} from {lead_school}" if lead_school else f"{role} at {hub.name}",
            starts_on=first_day,
            starting_term=Term.of(first_day),
        )
        return group, sessions

    def _term(self, rng, year, today) -> str:
        """A term for the first session; this year, mostly one that has not started yet."""
        weights = []
        for term, ((month, day), _, _) in TERM_WINDOWS.items():
            start = date(year if term == Term.AUTUMN else year + 1, month, day)
            weights.append(1 if start <= today else 3)
        return rng.choices(list(TERM_WINDOWS), weights=weights)[0]


def _weekday(day: date) -> date:
    """Move a Saturday or Sunday on to the Tuesday after."""
    return day + timedelta(days={5: 3, 6: 2}.get(day.weekday(), 0))


def _eligibility(plan: Plan) -> str:
    audience = {
        WorkGroup.Audience.TEACHING_ASSISTANTS: "Teaching assistants, with a teacher from the "
        "same school if possible.",
        WorkGroup.Audience.SEND: "Teachers in special schools, resourced provisions and "
        "mainstream classes with pupils who have special educational needs.",
        WorkGroup.Audience.MIXED_AGE: "Teachers of mixed-age classes, usually in small schools.",
        WorkGroup.Audience.LEADERS: "Experienced teachers and maths leads, with their "
        "headteacher's support.",
    }.get(
        plan.audience, "Teachers from any school; two from the same school get the most out of it."
    )
    return f"{audience} You need to attend every session and try the gap tasks in between."
