"""Access helpers for courses: the first call in every course view.

Scope follows the patient: a course is visible to whoever may see its patient
(tracker.patients.access).  Out of scope is 404; in scope but the wrong role for
a change is 403.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from regimens.models import Course
from tracker.accounts.roles import EDITOR_ROLES
from tracker.lib.reads import note_read


def get_course_for_user(user, pk, *, edit: bool = False) -> Course:
    course = get_object_or_404(
        Course.objects.visible_to(user).select_related("patient", "template", "weight_chosen_by"),
        pk=pk,
    )
    note_read(course.patient_id)
    if edit and user.role not in EDITOR_ROLES:
        raise PermissionDenied
    return course
