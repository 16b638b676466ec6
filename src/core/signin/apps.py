from django.apps import AppConfig


class SigninConfig(AppConfig):
    """Sign in with MyAcademicID (OpenID Connect) and ESN Accounts (CAS 3)."""

    name = "core.signin"
    label = "signin"
    verbose_name = "External sign-in"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from core import audit, hooks
        from core.signin.selectors import account_panel, personal_data

        audit.register(
            {
                "coordinator_request_confirmed": _(
                    "Coordinator role confirmed for an ESN board member"
                ),
                "coordinator_request_declined": _(
                    "Coordinator role declined for an ESN board member"
                ),
                "signin_settings_changed": _("Sign-in methods changed"),
            }
        )
        hooks.register_personal_data(hooks.PersonalDataSection("sign_in_accounts", personal_data))
        hooks.register_account_panel(
            hooks.AccountPanel("signin/_account_panel.html", account_panel, order=80)
        )
