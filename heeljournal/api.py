"""What every endpoint shares: error answers, their place in the OpenAPI document, and the
pagination of lists read through the ORM (record lists have their own: heeljournal/pages.py)."""

import logging
from datetime import UTC

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import BadRequest, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, InterfaceError, OperationalError, models
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import is_valid_path
from django.utils.dateparse import parse_datetime
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.exceptions import APIException
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from accounts.authentication import ACCOUNT_GONE
from heeljournal.middleware import is_api

RETRY_AFTER_SECONDS = 5
# PostgreSQL's deadlock_detected and serialization_failure: a retry succeeds, the database is fine.
RETRYABLE_SQLSTATES = {"40P01", "40001"}
log = logging.getLogger(__name__)


class ServiceUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The service is briefly unavailable; nothing was saved. Please retry."


def exception_handler(exc, context):
    """DRF's handler, plus clean answers for an oversized body, a write refused because its
    account was erased meanwhile (401), and a lost database (503)."""
    if isinstance(exc, RequestDataTooBig):
        return Response({"detail": "The request body is too large."}, status=413)
    if isinstance(exc, IntegrityError) and _account_erased(context["request"]):
        log.info("a write for an erased account: %s", exc)
        response = drf_exception_handler(exceptions.AuthenticationFailed(ACCOUNT_GONE), context)
        response["WWW-Authenticate"] = context["view"].get_authenticate_header(context["request"])
        return response
    if isinstance(exc, (OperationalError, InterfaceError)):
        if getattr(exc.__cause__, "sqlstate", None) in RETRYABLE_SQLSTATES:
            log.warning("a write gave way to another (deadlock or serialization): %s", exc)
        else:  # the database went away
            log.error("database unavailable: %s", exc, exc_info=exc)
        response = drf_exception_handler(ServiceUnavailable(), context)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return drf_exception_handler(exc, context)


def _account_erased(request):
    """A write refused because its account was erased meanwhile (accounts.users.user_erase)."""
    user = getattr(request, "user", None)
    return bool(user and user.is_authenticated) and not type(user).objects.filter(pk=user.pk).exists()


def not_found(request, exception):
    """A URL that matches no route: JSON under /api/ (a phone parses it), else in the admin's look."""
    if is_api(request):
        detail = "Not found."
        if not request.path_info.endswith("/") and is_valid_path(f"{request.path_info}/"):
            detail = f"Not found: API paths end with a slash, as in {request.path}/."
        return JsonResponse({"detail": detail}, status=404)
    return _admin_page(request, "careteam/admin/not_found.html", status=404)


def bad_request(request, exception):
    """A request Django refuses before any view (a Host not allowed, say): JSON under /api/,
    saying why where the refusal is a plain BadRequest (a suspicious one is not explained)."""
    if is_api(request):
        detail = (str(exception) if type(exception) is BadRequest else "") or "Bad request."
        return JsonResponse({"detail": detail}, status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    """A refusal outside DRF's views (the admin's): JSON under /api/, else in the admin's look."""
    if is_api(request):
        return JsonResponse({"detail": "You do not have permission to perform this action."}, status=403)
    return _admin_page(request, "careteam/admin/not_allowed.html", status=403)


def _admin_page(request, template, *, status):
    """An error page with the admin's header, user links and way back: the only pages here.
    Named, not Django's 404.html and 403.html: those render wherever a handler is Django's own
    (bench/floor_create.py), where there is no admin to link to."""
    return render(request, template, admin.site.each_context(request), status=status)


def server_error(request):
    """Never expected; if it happens, a phone still gets JSON and no detail leaks."""
    if is_api(request):
        return JsonResponse({"detail": "Something went wrong on our side; please retry later."}, status=500)
    return defaults.server_error(request)


class PageSizes:
    """Every list's page size, the most a phone may ask for, and the answer to a bad cursor."""

    page_size = settings.PAGE_SIZE
    max_page_size = settings.MAX_PAGE_SIZE
    page_size_query_param = "page_size"

    def get_page_size(self, request):
        """The page size asked for, capped; one that is not a whole number from 1 is a 400
        (DRF would answer a default page, and the phone would not learn its mistake)."""
        asked = request.query_params.get(self.page_size_query_param)
        if asked is None:
            return self.page_size
        if not (asked.isascii() and asked.isdigit()) or int(asked) < 1:
            raise exceptions.ValidationError({self.page_size_query_param: ["Use a whole number from 1."]})
        return min(int(asked), self.max_page_size)

    @staticmethod
    def cursor_refused():
        return exceptions.ValidationError({"cursor": ["Not a cursor from this list; start again from the first page."]})

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["minimum"] = 1
        return parameters


class NewestFirstPagination(PageSizes, CursorPagination):
    """Stable pages of `{next, previous, results}`; a view names its own ordering.

    A cursor comes back from the client, so it is checked before it reaches a query: a bad
    one is a 400, never a 500 (its position would otherwise go straight into a filter).
    """

    ordering = "-created_at"

    def paginate_queryset(self, queryset, request, view=None):
        self.model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        invalid = self.cursor_refused()
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound:
            raise invalid from None
        if cursor is not None and cursor.position is not None and not self._is_position(cursor.position):
            raise invalid
        return cursor

    def _is_position(self, value):
        try:
            cursor_position(self.model._meta.get_field(self.ordering[0].lstrip("-")), value)
        except ValueError:
            return False
        return True


def cursor_position(field, text):
    """`text` as a value of `field`, the one a list is ordered by; ValueError if it is none."""
    if isinstance(field, models.DateTimeField):
        return utc_time(text)
    try:
        return field.to_python(text)
    except DjangoValidationError:
        raise ValueError(f"not a {type(field).__name__}: {text!r}") from None


class ImpossibleTime(ValueError):
    """A time in the right format that does not exist: February 30th, 24:00, a leap second."""


def utc_time(text):
    """An ISO 8601 time that carries its offset, in UTC; ValueError if `text` is none
    (ImpossibleTime if it is well formed), or lies outside UTC's range (a time a client sends
    would otherwise be a 500 in SQL)."""
    try:
        moment = parse_datetime(text)
    except ValueError:
        raise ImpossibleTime(text) from None
    if moment is None or moment.tzinfo is None:
        raise ValueError(f"not a time with its offset: {text!r}")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"out of range in UTC: {text!r}") from None


# --- The error answers in the OpenAPI document ---------------------------------------------
# The mobile team generates its client from the document, so every answer a client can get is
# in it, not only the happy one. The fuzz tests (tests/test_fuzz_api.py) hold the API to it.

ERROR_SCHEMAS = {
    "Error": {
        "type": "object",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    "ValidationError": {
        "type": "object",
        "description": "The fields in error with their messages: `{field: [messages]}`; "
        "`non_field_errors` or `detail` for the request as a whole.",
        "additionalProperties": {},
    },
}
RETRY_AFTER = {
    "Retry-After": {"required": True, "description": "Seconds to wait before retrying", "schema": {"type": "integer"}}
}
# The views with `throttle_classes = []`: health, polled by load balancers and monitors, and
# signing out, which a phone past its rate may still do. (The schema is made without Redis too,
# where no view is throttled, so the list is written out rather than read off the views.)
UNTHROTTLED_PATHS = {"/api/v1/health/", "/api/v1/auth/logout/", "/api/v1/auth/logout-all/"}


def _error(description, component="Error", headers=None):
    answer = {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}},
    }
    if headers:
        answer["headers"] = headers
    return answer


def _error_answers(path, operation):
    parameters = operation.get("parameters", [])
    has_body = "requestBody" in operation
    answers = {}
    if has_body or any(parameter["in"] in ("query", "path") for parameter in parameters):
        answers["400"] = _error("The request is not valid.", "ValidationError")
    if any(requirement for requirement in operation.get("security", [])):
        answers["401"] = _error("No live bearer token.")
    if any(parameter["in"] == "path" for parameter in parameters):
        answers["404"] = _error("Not found, or not yours.")
    if has_body:
        answers["413"] = _error("The request body is too large.")
        answers["415"] = _error("The body is not JSON.")
    if path not in UNTHROTTLED_PATHS:
        answers["429"] = _error("Too many requests.", headers=RETRY_AFTER)
    answers["503"] = _error("Briefly unavailable; nothing was saved.", headers=RETRY_AFTER)
    return answers


def document_error_answers(result, generator, request, public):
    """drf-spectacular post-processing hook: add the error answers every operation can give,
    leaving alone any a view documents itself."""
    result.setdefault("components", {}).setdefault("schemas", {}).update(ERROR_SCHEMAS)
    for path, operations in result.get("paths", {}).items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for code, answer in _error_answers(path, operation).items():
                responses.setdefault(code, answer)
            for code, answer in responses.items():  # an error a view names without its body
                if int(code) >= 400 and "content" not in answer:
                    answer["content"] = _error(answer.get("description", ""))["content"]
    return result
