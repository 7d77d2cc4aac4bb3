"""What the made-up network looks like: word lists, shares and weights (the demo uses some).

Rough shapes of the real thing (GIAS phases and types, regional FSM levels,
how hubs spend their money), not measurements: enough for report pages and
queries to meet data of the right size and spread.
"""

from accounts.models import User
from hubs.models import School
from projects.models import Spend

from .placenames import PLACES as SAMPLE_PLACES
from .placenames import PRIMARY_KINDS, SECONDARY_KINDS
from .plans import Plan

# Generated schools per local authority, by the kind of authority (ONS code prefix):
# counties are the largest, London boroughs and unitaries the smallest.
AUTHORITY_WEIGHT = {"E10": 5.0, "E08": 1.6, "E09": 1.0, "E06": 1.0}
TINY_AUTHORITIES = {"201": 0.05, "420": 0.03, "857": 0.3}  # City of London, Scilly, Rutland

P = School.Phase
PHASE_WEIGHTS = {
    P.PRIMARY: 66.0,
    P.SECONDARY: 14.5,
    P.NOT_APPLICABLE: 9.0,
    P.SIXTEEN_PLUS: 2.0,
    P.NURSERY: 1.7,
    P.ALL_THROUGH: 1.2,
    P.MIDDLE_SECONDARY: 0.6,
    P.MIDDLE_PRIMARY: 0.3,
}
# GIAS establishment types by phase, with weights.
TYPES = {
    P.PRIMARY: {
        "Community school": 30,
        "Academy converter": 30,
        "Academy sponsor led": 9,
        "Voluntary aided school": 12,
        "Voluntary controlled school": 11,
        "Foundation school": 4,
        "Free schools": 4,
    },
    P.SECONDARY: {
        "Academy converter": 48,
        "Academy sponsor led": 25,
        "Community school": 8,
        "Voluntary aided school": 6,
        "Foundation school": 4,
        "Free schools": 7,
        "University technical college": 1,
        "Studio schools": 1,
    },
    P.NOT_APPLICABLE: {
        "Community special school": 35,
        "Academy special converter": 15,
        "Pupil referral unit": 10,
        "Other independent school": 30,
        "Other independent special school": 10,
    },
    P.NURSERY: {"Local authority nursery school": 1},
    P.SIXTEEN_PLUS: {
        "Further education": 50,
        "Sixth form centres": 20,
        "Academy 16-19 converter": 15,
        "Free schools 16 to 19": 15,
    },
    P.ALL_THROUGH: {"Academy converter": 50, "Free schools": 30, "Community school": 20},
    P.MIDDLE_PRIMARY: {"Academy converter": 1, "Community school": 1},
    P.MIDDLE_SECONDARY: {"Academy converter": 2, "Community school": 1},
}
NO_FSM_TYPES = {"Other independent school", "Other independent special school", "Further education"}
# Mean FSM percentage by region (GIAS GOR letter), roughly as published.
REGION_FSM = {"A": 30, "B": 28, "D": 26, "E": 23, "F": 28, "G": 20, "H": 27, "J": 18, "K": 19}
# The GIAS sample's places, and a few more.
PLACES = (*SAMPLE_PLACES, "Marlborough", "Greenfield", "Ravenscroft", "Broadway", "Hollins",
          "Westfield", "Ladywood")  # fmt: skip
SCHOOL_KINDS = {
    P.PRIMARY: PRIMARY_KINDS,
    P.SECONDARY: SECONDARY_KINDS,
    P.NOT_APPLICABLE: ("Special School", "Preparatory School", "House School", "Learning Centre"),
    P.NURSERY: ("Nursery School",),
    P.SIXTEEN_PLUS: ("Sixth Form College", "College"),
    P.ALL_THROUGH: ("All-Through School", "Academy"),
    P.MIDDLE_PRIMARY: ("Middle School",),
    P.MIDDLE_SECONDARY: ("Middle School",),
}  # fmt: skip
FIRST_NAMES = (
    "Aisha", "Alex", "Amelia", "Amir", "Anna", "Ben", "Bethany", "Chloe", "Chris", "Claire",
    "Daniel", "David", "Eleanor", "Emily", "Emma", "Fatima", "Gemma", "George", "Grace", "Hannah",
    "Harry", "Helen", "Imran", "Isla", "Jack", "James", "Jasmine", "Jo", "Joe", "Kate", "Katie",
    "Laura", "Leah", "Liam", "Lucy", "Mark", "Matthew", "Megan", "Mohammed", "Naomi", "Nathan",
    "Olivia", "Oliver", "Priya", "Rachel", "Rebecca", "Richard", "Rosie", "Ruth", "Sam", "Sarah",
    "Sophie", "Tom", "Usman", "Victoria", "Will", "Yasmin", "Zara", "Zoe", "Kwame",
)  # fmt: skip
LAST_NAMES = (
    "Ahmed", "Ali", "Allen", "Atkinson", "Bailey", "Baker", "Bell", "Bennett", "Brown", "Butler",
    "Campbell", "Carter", "Chapman", "Clarke", "Collins", "Cook", "Cooper", "Davies", "Dixon",
    "Edwards", "Evans", "Fisher", "Fletcher", "Foster", "Graham", "Green", "Hall", "Harris",
    "Hill", "Hughes", "Hussain", "Jackson", "James", "Johnson", "Jones", "Kaur", "Kelly", "Khan",
    "King", "Lee", "Lewis", "Marshall", "Martin", "Mason", "Mills", "Mitchell", "Moore", "Morris",
    "Murphy", "Okafor", "Owen", "Palmer", "Parker", "Patel", "Phillips", "Price", "Roberts",
    "Robinson", "Rogers", "Scott", "Shaw", "Singh", "Smith", "Stevens", "Taylor", "Thomas",
    "Thompson", "Turner", "Walker", "Ward", "Watson", "White", "Williams", "Wilson", "Wood",
    "Wright", "Young", "Nowak", "Mensah", "O'Brien",
)  # fmt: skip
SHANGHAI_NAMES = ("Chen Wei", "Li Na", "Wang Fang", "Zhang Min", "Liu Yang", "Huang Li",
                  "Zhou Jing", "Wu Hao", "Xu Lei", "Sun Mei", "Ma Jun", "Zhu Hong")  # fmt: skip
SHANGHAI_SCHOOLS = ("Shanghai Normal University Affiliated Primary School",
                    "Jing'an District Central Primary School", "Minhang Experimental School",
                    "Pudong Yucai Primary School", "Huangpu District No. 1 Middle School",
                    "Xuhui Experimental Junior Middle School")  # fmt: skip
SHOWCASE_TOPICS = ("Year 1: number bonds to 10", "Year 2: equal groups",
                   "Year 3: the column method for addition", "Year 4: equivalent fractions",
                   "Year 5: multiplying by 10 and 100", "Year 6: ratio with bar models",
                   "Year 7: solving linear equations", "Year 8: angles in parallel lines",
                   "Year 9: simultaneous equations")  # fmt: skip

# Locally designed Work Groups beyond the demo's, so titles vary as they do for real.
LOCAL_PLANS = [
    Plan(title, None, phases, description, local_need=need)
    for title, phases, description, need in [
        ("Closing the Gap in Year 7 Number", ("secondary",),
         "Year 7 teachers plan short, frequent number sessions for pupils who arrive below the "
         "expected standard, and track what changes.",
         "Too many pupils in the area start secondary school unsure of place value."),
        ("Tackling Maths Anxiety in Key Stage 2", ("primary",),
         "Teachers look at what makes pupils anxious in maths lessons and try routines that "
         "build confidence without lowering expectations.",
         "Schools reported many pupils who give up quickly when a problem looks hard."),
        ("Spatial Reasoning in the Early Years", ("eyfs",),
         "Practitioners explore shape, pattern and position through play, and plan activities "
         "that build spatial language.",
         "Early years settings asked for support beyond number."),
        ("Problem Solving in GCSE Resit Classes", ("post16",),
         "College teachers plan resit lessons that rebuild understanding rather than repeat "
         "procedures.",
         "Resit results in the area have been flat for three years."),
        ("Retrieval Practice in Key Stage 3", ("secondary",),
         "Departments design low-stakes quizzes and spaced practice, and compare what pupils "
         "remember a term later.",
         "Pupils forget earlier topics by the end of Year 8."),
        ("Supporting Disadvantaged Pupils in Key Stage 2", ("primary",),
         "Teachers look at the attainment of disadvantaged pupils in their classes and try "
         "approaches that keep them with the class.",
         "The gap between disadvantaged pupils and their peers is widest in Years 5 and 6."),
        ("Using Manipulatives in Key Stage 3", ("secondary",),
         "Secondary teachers use algebra tiles, Cuisenaire rods and double-sided counters to "
         "make structure visible.",
         "Secondary teachers asked how to continue the concrete work pupils met in primary."),
        ("Key Stage 2 to 3 Transition", ("primary", "secondary"),
         "Year 6 and Year 7 teachers visit each other's lessons and agree how to represent the "
         "same ideas on both sides of the move.",
         "Secondary schools re-teach much of Year 6 because they do not know what was taught."),
        ("Early Career Teachers: Planning Maths Lessons", ("primary", "secondary"),
         "Teachers in their first years plan lessons together with an experienced mentor.",
         "Many early career teachers in the area leave within three years."),
        ("Statistics for Core Maths Teachers", ("post16",),
         "Teachers of Core Maths deepen their own understanding of statistics and plan "
         "lessons using real data sets.",
         "Core Maths teachers in the area are mostly non-specialists."),
    ]
]  # fmt: skip
# How a national programme's Work Groups count towards a national project.
PROGRAMME_PROJECT = {
    "teaching-for-mastery": "teaching-for-mastery",
    "mastering-number": "teaching-for-mastery",
    "mastering-number-ks2": "teaching-for-mastery",
    "subject-knowledge-enhancement": "subject-knowledge-enhancement",
    "post-16-core-maths": "post-16-core-maths",
    "pd-lead-programme": "professional-development-leads",
}
# project slug: (chance a hub takes part in a year, fewest and most schools)
PROJECT_TAKE_UP = {
    "teaching-for-mastery": (1.0, 12, 40),
    "textbooks-for-mastery": (0.6, 4, 15),
    "subject-knowledge-enhancement": (0.85, 4, 14),
    "professional-development-leads": (0.9, 3, 10),
    "post-16-core-maths": (0.8, 3, 10),
    "mathematical-reasoning-ks3": (0.5, 4, 12),
}
EXCHANGE_PROJECT = "england-china-exchange"
EXCHANGE_YEARS = range(2014, 2019)
SPEND_CATEGORIES = {
    Spend.Category.CLASSROOM_CPD: (40, "Supply cover and fees for Work Group sessions"),
    Spend.Category.LEADERSHIP: (14, "Hub leadership and coordination time"),
    Spend.Category.ADMINISTRATION: (10, "Hub administration"),
    Spend.Category.EVENTS: (9, "Venue hire and refreshments"),
    Spend.Category.MATERIALS: (8, "Resources and manipulatives"),
    Spend.Category.TRAVEL: (8, "Travel for Work Group leads"),
    Spend.Category.EVALUATION: (4, "Evaluation and data collection"),
    Spend.Category.OTHER: (4, "Other costs"),
}
# Which phases a school's teachers teach, by the school's phase: (phase codes, weight).
TEACHER_PHASES = {
    P.NURSERY: [(("eyfs",), 1)],
    P.PRIMARY: [(("primary",), 70), (("eyfs", "primary"), 20), (("eyfs",), 10)],
    P.MIDDLE_PRIMARY: [(("primary",), 1)],
    P.MIDDLE_SECONDARY: [(("secondary",), 7), (("primary", "secondary"), 3)],
    P.SECONDARY: [(("secondary",), 75), (("secondary", "post16"), 25)],
    P.SIXTEEN_PLUS: [(("post16",), 1)],
    P.ALL_THROUGH: [(("primary",), 4), (("secondary",), 4), (("secondary", "post16"), 2)],
    P.NOT_APPLICABLE: [(("primary",), 1), (("secondary",), 1)],
}
# How many registered teachers a school of each phase has, relative to a primary school.
TEACHERS_PER_SCHOOL = {
    P.PRIMARY: 1.0, P.SECONDARY: 3.5, P.ALL_THROUGH: 4.0, P.SIXTEEN_PLUS: 2.5,
    P.MIDDLE_PRIMARY: 1.5, P.MIDDLE_SECONDARY: 2.0, P.NURSERY: 0.3, P.NOT_APPLICABLE: 0.4,
}  # fmt: skip
JOB_ROLES = {
    User.JobRole.CLASS_TEACHER: 58,
    User.JobRole.MATHS_LEAD: 15,
    User.JobRole.EARLY_CAREER: 10,
    User.JobRole.SENIOR_LEADER: 6,
    User.JobRole.TEACHING_ASSISTANT: 6,
    User.JobRole.EARLY_YEARS: 4,
    User.JobRole.OTHER: 1,
}
# Demand for a place, as a multiple of capacity: lognormal(mu, sigma), capped.
DEMAND_MU, DEMAND_SIGMA, DEMAND_CAP = 0.42, 0.45, 3.0
WITHDRAW_CHANCE = 0.18
REAPPLY_CHANCE = 0.04
