"""What marks a request as the API's (JSON answers, no slash redirects), and Django's
CommonMiddleware fitted to it."""

from django.middleware import common


def is_api(request):
    return request.path.startswith("/api/")


class CommonMiddleware(common.CommonMiddleware):
    """Django's, but an API write to a path without its final slash is not redirected: most
    clients follow a 301 with a GET, dropping the body, so a POSTed episode would be answered
    with the list and never saved (and with DEBUG, Django raises instead). It gets a 404 that
    names the right path."""

    def should_redirect_with_slash(self, request):
        if is_api(request) and request.method not in ("GET", "HEAD"):
            return False
        return super().should_redirect_with_slash(request)
