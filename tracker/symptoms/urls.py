from django.urls import path

from tracker.symptoms.views import patient

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
    path("me/symptoms/<slug:slug>/", patient.symptom_answer, name="symptom-answer"),
    # --- End of patient pages. ---
]
