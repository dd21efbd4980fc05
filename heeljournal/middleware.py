"""Django's CommonMiddleware, fitted to the API."""

from django.middleware import common


class CommonMiddleware(common.CommonMiddleware):
    """Django's, but an API write to a path without its final slash is not redirected: most
    clients follow a 301 with a GET, dropping the body, so a POSTed episode would be answered
    with the list and never saved (and with DEBUG, Django raises instead). It gets a 404 that
    names the right path."""

    def should_redirect_with_slash(self, request):
        if request.path.startswith("/api/") and request.method not in ("GET", "HEAD"):
            return False
        return super().should_redirect_with_slash(request)
