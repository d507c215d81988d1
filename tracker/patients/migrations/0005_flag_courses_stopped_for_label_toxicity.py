from django.db import migrations
from django.utils import timezone


def flag_stopped_courses(apps, schema_editor):
    """Courses already stopped for "a label criterion to stop permanently" flag their patient.

    Which criterion was not recorded then, so the flag says so; two clinicians can lift
    it like any other (docs/recording.md).
    """
    Course = apps.get_model("regimens", "Course")
    HistoricalCourse = apps.get_model("regimens", "HistoricalCourse")
    Flag = apps.get_model("patients", "RetreatmentContraindication")
    HistoricalFlag = apps.get_model("patients", "HistoricalRetreatmentContraindication")
    stopped = Course.objects.filter(status="discontinued", discontinue_reason="toxicity").filter(
        retreatment_flag__isnull=True
    )
    for course in stopped:
        # The stop is the course's latest history row: when, and by whom.
        last = HistoricalCourse.objects.filter(id=course.pk).order_by("-history_date").first()
        set_at = last.history_date if last else timezone.now()
        set_by_id = (last.history_user_id if last else None) or course.created_by_id
        flag = Flag.objects.create(
            patient_id=course.patient_id,
            course_id=course.pk,
            criterion="not_recorded",
            note=course.status_reason[:200],
            set_by_id=set_by_id,
            set_at=set_at,
            status="active",
        )
        HistoricalFlag.objects.create(
            id=flag.pk,
            patient_id=flag.patient_id,
            course_id=flag.course_id,
            criterion=flag.criterion,
            note=flag.note,
            set_by_id=flag.set_by_id,
            set_at=flag.set_at,
            status=flag.status,
            lift_reason="",
            lift_confirm_note="",
            history_date=timezone.now(),
            history_type="+",
            history_user_id=None,
            history_change_reason=(
                "Retreatment contraindicated: course stopped for a label criterion "
                "(criterion not recorded)"
            ),
        )


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0004_retreatment_contraindication"),
        ("regimens", "0012_course_status_open"),
    ]

    operations = [migrations.RunPython(flag_stopped_courses, migrations.RunPython.noop)]
