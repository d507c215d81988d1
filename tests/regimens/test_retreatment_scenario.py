"""A patient stopped for a label criterion is not started again until two clinicians agree.

The label's criteria to stop aldesleukin permanently: docs/clinical-sources.md §1.
"""

from datetime import date

import pytest
import time_machine

from regimens.courses import CourseRefused, discontinue_course, record_discharge
from regimens.models import Course
from tests.factories import PatientFactory, make_course, make_user, record_given
from tracker.accounts.roles import Role
from tracker.patients.models import RetreatmentContraindication
from tracker.patients.retreatment import FlagRefused, confirm_lift, request_lift
from tracker.ward.recording import record_dose

pytestmark = pytest.mark.django_db

LIFT_REASON = "Cardiology and ICU review: the intubation was for aspiration, not IL-2 toxicity."


def test_a_patient_stopped_for_intubation_needs_two_clinicians_to_be_treated_again():
    dr_ames, dr_bell = make_user(Role.CLINICIAN), make_user(Role.CLINICIAN)
    nurse = make_user(Role.NURSE)
    patient = PatientFactory(care_team=[dr_ames, dr_bell, nurse])
    course = make_course(patient, by=dr_ames)  # 10 Mar 2027, dose 1 at 13:00 UTC
    record_given(course.doses.get(dose_in_course=1), nurse)

    # Intubated after dose 1; still ventilated four days later, so the course stops for good.
    with time_machine.travel("2027-03-14 15:00Z", tick=False):
        discontinue_course(
            course, by=dr_ames, code=Course.DiscontinueReason.INTUBATION, note="ICU since day 1"
        )
        for dose in course.doses.scheduled():
            record_dose(
                dose,
                by=nurse,
                outcome="not_given",
                not_given_reason="other",
                reason_note="In ICU, intubated",
            )
    with time_machine.travel("2027-03-20 15:00Z", tick=False):
        record_discharge(course, by=dr_ames, on=date(2027, 3, 20))

    [flag] = RetreatmentContraindication.objects.for_patient(patient).active()
    assert flag.criterion == "intubation"
    assert flag.course == course
    assert flag.set_by == dr_ames

    # Ten weeks after discharge the retreatment gap is long past, but the flag bars a course,
    # and no override reason gets round it.
    with time_machine.travel("2027-05-29 12:00Z", tick=False):
        with pytest.raises(CourseRefused) as error:
            make_course(patient, by=dr_ames, start="2027-06-01 08:00")
        assert "Intubation for more than 72 hours, 14 Mar 2027" in error.value.message
        with pytest.raises(CourseRefused):
            make_course(
                patient, by=dr_ames, start="2027-06-01 08:00", override_reason="Trial protocol"
            )

        # One clinician alone cannot lift it: asking is not lifting, nor can she confirm.
        request_lift(flag, by=dr_ames, reason=LIFT_REASON)
        with pytest.raises(CourseRefused) as error:
            make_course(patient, by=dr_ames, start="2027-06-01 08:00")
        assert "awaits a second clinician's confirmation" in error.value.message
        with pytest.raises(FlagRefused) as error:
            confirm_lift(flag, by=dr_ames)
        assert "a second, different clinician must confirm" in error.value.message
        # Nor can a nurse confirm.
        with pytest.raises(FlagRefused):
            confirm_lift(flag, by=nurse)

        # A second, different clinician confirms; now a course can start.
        confirm_lift(flag, by=dr_bell, note="Agreed after the cardiology review.")
        new_course = make_course(patient, by=dr_bell, start="2027-06-01 08:00")

    assert new_course.status == Course.Status.OPEN
    assert Course.objects.for_patient(patient).count() == 2
    flag.refresh_from_db()
    assert flag.status == RetreatmentContraindication.Status.LIFTED
    history = [
        (row.history_user, row.history_change_reason, row.status)
        for row in flag.history.order_by("history_date", "history_id")
    ]
    assert history == [
        (dr_ames, "Retreatment contraindicated: Intubation for more than 72 hours", "active"),
        (dr_ames, f"Lift asked for: {LIFT_REASON}", "lift_requested"),
        (dr_bell, "Lift confirmed: Agreed after the cardiology review.", "lifted"),
    ]
