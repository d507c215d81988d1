"""Courses started before the dosing weight had a basis, date and chooser.

Their weight was the patient's actual weight when the course was started, chosen by
whoever started it; it was also the only baseline for weight gain.  Their doses
each get the course's dose, which no existing course varied.
"""

from django.db import migrations
from django.db.models import F, OuterRef, Subquery


def apply(apps, schema_editor):
    Course = apps.get_model("regimens", "Course")
    Dose = apps.get_model("regimens", "Dose")
    Course.objects.filter(weight_measured_on__isnull=True).update(
        weight_basis="actual",
        weight_measured_on=F("start_date"),
        weight_chosen_by=F("created_by"),
    )
    Course.objects.filter(baseline_weight_kg__isnull=True).update(
        baseline_weight_kg=F("weight_kg"), baseline_weight_on=F("start_date")
    )
    course_dose = Course.objects.filter(pk=OuterRef("course")).values("dose_iu")
    Dose.objects.filter(dose_iu__isnull=True).update(dose_iu=Subquery(course_dose))


class Migration(migrations.Migration):
    dependencies = [("regimens", "0016_dosing_weight_and_dose_steps")]

    operations = [migrations.RunPython(apply, migrations.RunPython.noop)]
