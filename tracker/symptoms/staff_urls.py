from django.urls import path

from tracker.symptoms.views import staff

urlpatterns = [
    path(
        "patients/<int:patient_pk>/side-effects/",
        staff.side_effect_timeline,
        name="side-effect-timeline",
    ),
    path(
        "patients/<int:patient_pk>/side-effects/new/",
        staff.adverse_event_new,
        name="adverse-event-new",
    ),
    path(
        "patients/<int:patient_pk>/side-effects.csv",
        staff.side_effects_csv,
        name="side-effects-csv",
    ),
    path("symptom-reports/<int:pk>/review/", staff.report_review, name="symptom-report-review"),
    path(
        "side-effects/<int:pk>/entered-in-error/",
        staff.adverse_event_error,
        name="adverse-event-error",
    ),
]
