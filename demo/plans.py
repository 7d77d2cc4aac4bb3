"""What the demo's Work Groups are made from: the national programmes, the plans of groups
(titles, phases, descriptions, local needs), gap tasks, who leads them and when they meet.

Shared by the demo (``load_demo_workgroups``, ``load_demo``) and the generated network.
"""

from dataclasses import dataclass
from datetime import time

from hubs_portal.lib.academic_year import Term
from workgroups.models import WorkGroup

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
