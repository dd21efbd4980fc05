"""What marks a request as the API's (JSON answers, no slash redirects), Django's
CommonMiddleware fitted to it, and the WSGI middleware that reads chunked bodies."""

import io

from django.conf import settings
from django.core.exceptions import BadRequest
from django.middleware import common
from django.urls import get_resolver


def is_api(request):
    return request.path.startswith("/api/")


class CommonMiddleware(common.CommonMiddleware):
    """Django's, but an API write to a path without its final slash is not redirected: most
    clients follow a 301 with a GET, dropping the body, so a POSTed episode would be answered
    with the list and never saved (and with DEBUG, Django raises instead). It gets a 404 that
    names the right path."""

    def process_request(self, request):
        # A query parameter with a NUL, which PostgreSQL refuses in a statement: a filter of the
        # admin's (?side__exact=%00) was a 500. The 400 handler answers it (raised, it was Django's
        # HTML debug page under DEBUG, which `make run` serves).
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query or "\x00" in query:
            return get_resolver().resolve_error_handler(400)(
                request, BadRequest("A NUL character in the query string.")
            )
        return super().process_request(request)

    def should_redirect_with_slash(self, request):
        if is_api(request) and request.method not in ("GET", "HEAD"):
            return False
        return super().should_redirect_with_slash(request)

    def process_response(self, request, response):
        """With DEBUG, Django answers a URL no route matches with its HTML page of the routes. A
        phone developer's server is `make run`, with DEBUG, and their client parses JSON: under
        /api/ it gets the project's JSON 404 there too. A view's own 404 is left as it is."""
        if settings.DEBUG and response.status_code == 404 and is_api(request) and request.resolver_match is None:
            response = get_resolver().resolve_error_handler(404)(request, exception=None)
        return super().process_response(request, response)


def chunked_bodies_read(application):
    """WSGI middleware: a body sent chunked, without a Content-Length (as phones' HTTP clients
    send one of unknown length), is read and given its length. Django reads a body by its
    Content-Length alone, so it read none: a journal PUT replaced the entry with empty fields.

    Read up to one byte past the size limit, so that Django still refuses a larger one (413).
    A server that does not end such a stream for the app (wsgiref, `runserver`) gets a 400.
    """

    def read_chunked(environ, start_response):
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if chunked and not environ.get("CONTENT_LENGTH"):
            if not environ.get("wsgi.input_terminated"):
                start_response("400 Bad Request", [("Content-Type", "application/json")])
                # The body stays unread, and a kept-alive connection would take it for the next
                # request. An app may not close it (PEP 3333), but an answer of no known length
                # (an iterator, not a list) leaves the server no other way.
                return iter([b'{"detail": "Send the body with its Content-Length."}'])
            body = environ["wsgi.input"].read(settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
            environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(body), str(len(body))
        return application(environ, start_response)

    return read_chunked
