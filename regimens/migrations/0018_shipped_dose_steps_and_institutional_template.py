"""The subcutaneous template's dose follows a cited regimen; the 15-dose template is opt-in.

* sc-5on2off kept 18 MIU on every dosing day, which no source gives: published 5-week
  subcutaneous regimens lower the dose after week 1 (docs/clinical-sources.md §6).
  Its notes also say that subcutaneous use is off-label in the US.
* hd-iv-q8h-15 is an institutional regimen, not the label's: it is shipped inactive,
  and has 2 cycles (days 1 and 15), so a planned second cycle is part of the course
  rather than a new course inside the retreatment gap.  A database whose courses
  already use it keeps it active: that centre has already turned it on.

Frozen copies of regimens/shipped.py's values at this migration.
"""

from django.db import migrations

SC_STEPS = [
    {"from_day": 10, "amount": "9"},
    {"from_day": 15, "amount": "18"},
    {"from_day": 17, "amount": "9"},
    {"from_day": 22, "amount": "18"},
    {"from_day": 24, "amount": "9"},
]
SC_NOTES = (
    "One injection a day for 5 days, then 2 days off, for 4 weeks; then a week without "
    "treatment. A 5-week cycle of 20 doses, repeated as response warrants. Dose as in a "
    "published 5-week subcutaneous regimen (J Urol Oncol 2021;19(4)): 18 MIU on days 1-5 of "
    "week 1; in weeks 2-4, 18 MIU on the first 2 days and 9 MIU on the last 3. "
    "Subcutaneous use is off-label in the US."
)
OLD_SC_NOTES = (
    "One injection a day for 5 days, then 2 days off, for 4 weeks; then a week "
    "without treatment. A 5-week cycle of 20 doses, repeated as response warrants."
)
INSTITUTIONAL_NOTES = (
    "Every 8 hours as tolerated, for up to 15 doses a cycle, in 2 cycles starting on days 1 "
    "and 15. Held doses are not made up. An institutional regimen, not the label's (which "
    "allows 14 doses a cycle): shipped inactive until a centre turns it on."
)
OLD_INSTITUTIONAL_NOTES = (
    "Every 8 hours as tolerated, for up to 15 doses. Held doses are not made up."
)
OLD_CYCLES = {"cycle_start_days": [1], "default_cycles": 1, "max_cycles": 1}
NEW_CYCLES = {"cycle_start_days": [1, 15], "default_cycles": 2, "max_cycles": 2}


def apply(apps, schema_editor):
    RegimenTemplate = apps.get_model("regimens", "RegimenTemplate")
    Course = apps.get_model("regimens", "Course")
    RegimenTemplate.objects.filter(slug="sc-5on2off", dose_steps=[]).update(dose_steps=SC_STEPS)
    RegimenTemplate.objects.filter(slug="sc-5on2off", notes=OLD_SC_NOTES).update(notes=SC_NOTES)
    institutional = RegimenTemplate.objects.filter(slug="hd-iv-q8h-15").first()
    if institutional is None:
        return
    if not Course.objects.filter(template=institutional).exists():
        institutional.is_active = False
    if all(getattr(institutional, f) == v for f, v in OLD_CYCLES.items()):
        for f, v in NEW_CYCLES.items():
            setattr(institutional, f, v)
    if institutional.notes == OLD_INSTITUTIONAL_NOTES:
        institutional.notes = INSTITUTIONAL_NOTES
    institutional.save()


def restore(apps, schema_editor):
    RegimenTemplate = apps.get_model("regimens", "RegimenTemplate")
    RegimenTemplate.objects.filter(slug="sc-5on2off", dose_steps=SC_STEPS).update(dose_steps=[])
    RegimenTemplate.objects.filter(slug="sc-5on2off", notes=SC_NOTES).update(notes=OLD_SC_NOTES)
    RegimenTemplate.objects.filter(slug="hd-iv-q8h-15", **NEW_CYCLES).update(
        is_active=True, notes=OLD_INSTITUTIONAL_NOTES, **OLD_CYCLES
    )


class Migration(migrations.Migration):
    dependencies = [("regimens", "0017_dosing_weight_of_existing_courses")]

    operations = [migrations.RunPython(apply, restore)]
