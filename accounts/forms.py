"""The admin's sign-in form."""

from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError

from accounts import throttling
from accounts.models import email_canonical


class ThrottledAdminLoginForm(AdminAuthenticationForm):
    """The admin's sign-in, under the API's limits on failed attempts, counted together with
    its own (per address and per email): a clinician's or a superuser's password opens many
    patients' journals, and the admin's form took guesses without end."""

    error_messages = {  # an address is found however its letters are written (email_canonical)
        **AdminAuthenticationForm.error_messages,
        "invalid_login": (
            "Please enter the correct email and password for a staff account. The password is case-sensitive."
        ),
    }

    def clean(self):
        email = email_canonical(self.cleaned_data.get("username") or "")
        address = throttling.client_address(self.request)
        wait = throttling.login_retry_after(email=email, address=address)
        if wait:
            raise ValidationError(throttling.retry_words(wait), code="throttled")
        try:
            cleaned = super().clean()
        except ValidationError:
            throttling.login_failed(email=email, address=address)
            raise
        if self.user_cache is not None:  # signed in: Django's form checks nothing with a password left empty
            throttling.login_succeeded(email=email)
        return cleaned
