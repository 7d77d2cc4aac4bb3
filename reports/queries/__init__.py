"""The figures behind the reports, computed by PostgreSQL: one module per report.

filters.py holds what every report starts from (the filters, the hubs shown,
the Work Groups and enrolments they select); network.py the main report, one
row per hub (its raw SQL in network_sql.py); gaps.py closing the gaps;
trend.py the years side by side; workgroups.py one hub's Work Groups and one
Work Group.

Every function here runs a fixed number of queries whatever the size of the
network: grouped aggregates (one row per hub, region or year), filtered
aggregates and COUNT(DISTINCT ...), never a loop over enrolments in Python.
What is summed over the forty hub rows in Python (places, money, attendance
records) adds up exactly; anything counted distinct (schools, teachers) is
counted again by the database for a region or the nation, because a school
with teachers in two hubs is one school nationally.

"Engaged" means holding a place: an enrolment that is confirmed or completed.
Waiting and withdrawn enrolments never count as engagement.
"""
