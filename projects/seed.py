"""The national projects every hub can take part in: the one list, ensured by load_reference_data.

Projects are created when missing and otherwise left alone, so that corrections
NCETM staff make in the admin survive the next load. The years other than the
exchange's are the network's first year until staff record better ones.
"""

from django.db import transaction

from hubs.models import Organisation, TeachingPhase
from projects.models import NationalProject, Sponsor

AMSP = {
    "name": "Advanced Mathematics Support Programme (AMSP)",
    "kind": Organisation.Kind.NATIONAL_BODY,
}

NATIONAL_PROJECTS = [
    {
        "slug": "teaching-for-mastery",
        "name": "Teaching for Mastery and the Mastery Specialists programme",
        "summary": (
            "Hubs help schools adopt teaching for mastery, so that the whole class moves "
            "through the curriculum together and every pupil grasps each idea securely. "
            "Primary and secondary teachers train as Mastery Specialists, then lead the "
            "change in their own schools and support others nearby, often through Teacher "
            "Research Groups."
        ),
        "phases": ["primary", "secondary"],
        "first_year": 2014,
        "last_year": None,
        "sponsor": Sponsor.DFE,
        "partners": [],
    },
    {
        "slug": "textbooks-for-mastery",
        "name": "Textbooks for mastery (Singapore-style textbooks)",
        "summary": (
            "Schools trial high-quality textbooks in the Singapore style to support teaching "
            "for mastery. The trial began in Year 1 and was then extended to Year 2, with "
            "hubs supporting the teachers who use the books."
        ),
        "phases": ["primary"],
        "first_year": 2014,
        "last_year": None,
        "sponsor": Sponsor.DFE,
        "partners": [],
    },
    {
        "slug": "post-16-core-maths",
        "name": "Post-16 participation and Core Maths",
        "summary": (
            "Hubs work to get more students taking maths at level 3 after GCSE, and help "
            "schools and colleges introduce Core Maths, often starting with a few pilot "
            "schools. The work is done with the AMSP (Advanced Mathematics Support "
            "Programme, run by MEI), which supports AS and A level Mathematics, Further "
            "Mathematics and Core Maths."
        ),
        "phases": ["post16"],
        "first_year": 2014,
        "last_year": None,
        "sponsor": Sponsor.DFE,
        "partners": [AMSP],
    },
    {
        "slug": "mathematical-reasoning-ks3",
        "name": "Mathematical reasoning at KS3 and mathematical thinking for GCSE",
        "summary": (
            "Secondary teachers develop pupils' reasoning in Key Stage 3 and their "
            "mathematical thinking on the way to GCSE. Hubs took part in trials of this "
            "work funded by the Education Endowment Foundation."
        ),
        "phases": ["secondary"],
        "first_year": 2014,
        "last_year": None,
        "sponsor": Sponsor.EEF,
        "partners": [],
    },
    {
        "slug": "subject-knowledge-enhancement",
        "name": "Subject Knowledge Enhancement",
        "summary": (
            "Courses that deepen the subject knowledge of teachers who teach maths but did "
            "not train as maths specialists, so that they can teach it with confidence."
        ),
        "phases": ["primary", "secondary"],
        "first_year": 2014,
        "last_year": None,
        "sponsor": Sponsor.DFE,
        "partners": [],
    },
    {
        "slug": "professional-development-leads",
        "name": "Professional Development Lead programme",
        "summary": (
            "Experienced teachers train and are accredited to lead professional development "
            "in maths, so that each hub has people who can run its Work Groups well."
        ),
        "phases": ["primary", "secondary", "post16"],
        "first_year": 2014,
        "last_year": None,
        "sponsor": Sponsor.DFE,
        "partners": [],
    },
    {
        "slug": "england-china-exchange",
        "name": "England-China (Shanghai) teacher exchange",
        "summary": (
            "Each year two or three teachers from every hub spent two weeks in Shanghai "
            "schools watching how maths is taught there. Later in the school year they "
            "welcomed teachers from Shanghai to their own schools for a fortnight, and "
            "teachers from nearby schools came to watch their lessons and talk them through "
            "afterwards. The exchange was part of Teaching for Mastery."
        ),
        "phases": ["primary", "secondary"],
        "first_year": 2014,
        "last_year": 2018,
        "sponsor": Sponsor.DFE,
        "partners": [],
    },
]


@transaction.atomic
def ensure_national_projects() -> int:
    """Create the national projects that are missing; return how many were created.

    Needs the teaching phases (load_reference_data creates them first).
    """
    phases = {phase.code: phase for phase in TeachingPhase.objects.all()}
    created_count = 0
    for entry in NATIONAL_PROJECTS:
        values = {
            key: entry[key] for key in ("name", "summary", "first_year", "last_year", "sponsor")
        }
        project, created = NationalProject.objects.get_or_create(
            slug=entry["slug"], defaults=values
        )
        if not created:
            continue
        created_count += 1
        project.phases.set([phases[code] for code in entry["phases"] if code in phases])
        partners = []
        for partner in entry["partners"]:
            organisation, _ = Organisation.objects.get_or_create(
                name=partner["name"], defaults={"kind": partner["kind"]}
            )
            partners.append(organisation)
        project.partners.set(partners)
    return created_count


def on_reference_data_loaded(sender, **kwargs) -> str:
    """Receiver of hubs.signals.reference_data_loaded (connected in ProjectsConfig.ready)."""
    return f"{ensure_national_projects()} new national projects"
