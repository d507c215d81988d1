from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tracker.accounts"
    label = "accounts"
    verbose_name = "Accounts and roles"

    def ready(self):
        # Connects the receiver that starts a session's clock at sign-in.
        from tracker.accounts import sessions  # noqa: F401
