from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from tracker.accounts import passwords
from tracker.accounts import views as account_views
from tracker.accounts.forms import ChangePasswordForm
from tracker.accounts.second_factor import AdminSite
from tracker.patients import views as patient_views

# The admin holds every patient's record: it too asks for the second factor.
admin.site.__class__ = AdminSite
admin.site.site_header = "IL-2 tracker administration"
admin.site.site_title = "IL-2 tracker admin"

urlpatterns = [
    path("", account_views.home, name="home"),
    path("login/", account_views.SignInView.as_view(), name="login"),
    path("logout/", account_views.SignOutView.as_view(), name="logout"),
    path(
        "password/",
        passwords.PasswordChangeView.as_view(form_class=ChangePasswordForm),
        name="password_change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("password/reset/", passwords.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        passwords.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("session/", account_views.session_status, name="session-status"),
    path("session/keep-alive/", account_views.session_keep_alive, name="session-keep-alive"),
    path("invitation/<str:token>/", account_views.invitation_accept, name="invitation-accept"),
    path("settings/", account_views.my_settings, name="my-settings"),
    path("me/record-access/", patient_views.my_record_access, name="my-record-access"),
    path("second-factor/", account_views.second_factor, name="second-factor"),
    path("second-factor/enrol/", account_views.second_factor_enrol, name="second-factor-enrol"),
    path(
        "second-factor/backup-codes/",
        account_views.second_factor_backup_codes,
        name="second-factor-backup-codes",
    ),
    path(
        "second-factor/backup-codes/new/",
        account_views.second_factor_new_backup_codes,
        name="second-factor-new-backup-codes",
    ),
    path("second-factor/stop/", account_views.second_factor_stop, name="second-factor-stop"),
    path("patients/", patient_views.patient_list, name="patient-list"),
    path("patients/new/", patient_views.patient_create, name="patient-create"),
    path("patients/<int:pk>/", patient_views.patient_detail, name="patient-detail"),
    path("patients/<int:pk>/edit/", patient_views.patient_edit, name="patient-edit"),
    path("patients/<int:pk>/invite/", patient_views.patient_invite, name="patient-invite"),
    path(
        "retreatment-flags/<int:pk>/lift/",
        patient_views.retreatment_lift_request,
        name="retreatment-lift-request",
    ),
    path(
        "retreatment-flags/<int:pk>/confirm-lift/",
        patient_views.retreatment_lift_confirm,
        name="retreatment-lift-confirm",
    ),
    path(
        "retreatment-flags/<int:pk>/decline-lift/",
        patient_views.retreatment_lift_decline,
        name="retreatment-lift-decline",
    ),
    path("", include("regimens.urls")),
    path("", include("tracker.ward.urls")),
    path("", include("tracker.observations.urls")),
    path("", include("tracker.symptoms.urls")),
    path("", include("tracker.thyroid.urls")),
    path("", include("tracker.alerts.urls")),
    path("", include("tracker.exchange.urls")),
    path("", include("tracker.clinic.urls")),
    path("", include("tracker.reminders.urls")),
    path("admin/", admin.site.urls),
]
