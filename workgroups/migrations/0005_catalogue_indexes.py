"""Partial indexes for the public catalogue (everything but drafts).

Measured on the generated national network (30,000 Work Groups; make load,
docs/benchmarks.md): the years offered by the filter form, read on every
request, from a sequential scan (about 20 ms) to an index-only scan (2 ms); a
page of one year's Work Groups in order from a sort of the year's 3,600 rows
(15 ms) to reading 20 index entries (0.1 ms); a page over all years (the
"clear all filters" list, all-years searches) from 90 ms to 0.1 ms.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("workgroups", "0004_report_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="workgroup",
            index=models.Index(
                condition=models.Q(("status", "draft"), _negated=True),
                fields=["academic_year"],
                name="workgroup_published_year_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="workgroup",
            index=models.Index(
                condition=models.Q(("status", "draft"), _negated=True),
                fields=["academic_year", "starts_on", "title", "id"],
                name="workgroup_pub_year_order_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="workgroup",
            index=models.Index(
                condition=models.Q(("status", "draft"), _negated=True),
                fields=["starts_on", "title", "id"],
                name="workgroup_published_order_idx",
            ),
        ),
    ]
