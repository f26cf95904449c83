"""Sign-in forms: allauth's, with Escala's field names kept."""

from allauth.account import forms as allauth_forms


class LoginForm(allauth_forms.LoginForm):
    """allauth's sign-in form (rate limited), its login field posted as `username` as Escala's
    sign-in page always did, so bookmarks, password managers and scripts keep working."""

    def add_prefix(self, field_name: str) -> str:
        if field_name == "login":
            field_name = "username"
        return super().add_prefix(field_name)
