from django.urls import path

from tracker.symptoms.views import messages, patient, staff

urlpatterns = [
    # --- Patient pages: a patient reports and changes their own side effects. ---
    path("me/symptoms/", patient.symptom_report, name="symptom-report"),
    path("me/symptoms/reports/<int:pk>/", patient.report_detail, name="symptom-report-detail"),
    path("me/symptoms/reports/<int:pk>/edit/", patient.report_edit, name="symptom-report-edit"),
    path(
        "me/symptoms/reports/<int:pk>/withdraw/",
        patient.report_withdraw,
        name="symptom-report-withdraw",
    ),
    path(
        "me/symptoms/reports/<int:pk>/messages/<int:message_pk>/answer/",
        messages.message_answer,
        name="symptom-report-answer",
    ),
    path("me/symptoms/<slug:slug>/", patient.symptom_answer, name="symptom-answer"),
    path("me/messages/<int:pk>/", patient.alert_message_detail, name="my-alert-message"),
    # --- Staff pages: the care team grades, reviews and exports side effects. ---
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
    path("reports/<int:pk>/reply/", messages.report_reply, name="report-reply"),
    path(
        "reports/messages/<int:pk>/withdraw/",
        messages.message_withdraw,
        name="report-message-withdraw",
    ),
    path(
        "side-effects/<int:pk>/entered-in-error/",
        staff.adverse_event_error,
        name="adverse-event-error",
    ),
]
