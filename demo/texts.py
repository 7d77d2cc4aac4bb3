"""Words the demo records carry: evaluations, project targets, showcase notes, a newsletter."""

EVALUATION_OUTCOMES = [
    "Every participating school now plans at least one lesson a week around a variation "
    "sequence, and teachers share their sequences in a common folder.",
    "Participants reported greater confidence in using bar models; most now use them "
    "routinely when teaching fractions and ratio.",
    "Teachers designed and trialled short daily fluency sessions; pupils' recall of number "
    "facts improved in every class that kept them going.",
    "Schools agreed common representations across the year groups, written into their "
    "calculation policies.",
    "Participants planned and observed lessons together and intend to keep meeting as a "
    "teacher research group next year.",
]
EVALUATION_IMPACT = [
    "Lesson observations show more pupils explaining their reasoning in full sentences. Two "
    "schools have changed their marking policy to ask for explanations.",
    "Teachers say they spend less time re-teaching; pupils in the lowest-attaining groups "
    "kept up with their class more often than before.",
    "Pupil voice surveys show more pupils saying they enjoy maths and are willing to try "
    "problems that look hard.",
    "End-of-unit assessments improved in most classes; the gap between disadvantaged pupils "
    "and their peers narrowed in three of the schools.",
]
PROJECT_TARGETS = [
    "Involve {n} schools this year, with at least one pilot school in each phase.",
    "Recruit {n} schools, and keep every school from last year working with the hub.",
    "Work with {n} schools, half of them with above-average proportions of pupils on free "
    "school meals.",
]
PROJECT_OUTCOMES = [
    "Targets met. Pilot schools presented their findings at the hub's summer conference.",
    "Most targets met; two schools left during the year because of staffing changes.",
    "Targets exceeded: more schools joined after the autumn launch than planned.",
]
SHOWCASE_NOTES = (
    "Observers discussed how the lesson built from a concrete example to the general rule, "
    "the pace of the class, and how every pupil was kept working on the same idea."
)
NEWSLETTER_SUBJECT = "{hub}: Work Groups starting this year"
NEWSLETTER_BODY = """Dear colleagues,

Places are open on our Work Groups for {year}. Each one is free to state-funded schools
and meets a few times over the year, with gap tasks to try in class in between.

{groups}

Apply from each Work Group's page; if a group is full, join its waiting list and we will
offer you a place as soon as one comes free.

With best wishes,
The {hub} team
"""
DRAFT_SUBJECT = "{hub}: spring term news"
DRAFT_BODY = """Dear colleagues,

Thank you to everyone who came to our autumn Work Groups. This term we are:

- starting new Teaching for Mastery groups for schools in their first year;
- looking for two schools to pilot a Year 1 textbook;
- holding an open evening for maths leads.

*This issue is a draft: edit it, send yourself a test, then send it.*
"""
