"""What every endpoint shares: error answers and the pagination of record lists."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class ServiceUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The service is briefly unavailable; nothing was saved. Please retry."


def exception_handler(exc, context):
    """DRF's handler, plus clean answers for a lost database and an oversized body."""
    if isinstance(exc, RequestDataTooBig):
        return Response({"detail": "The request body is too large."}, status=413)
    if isinstance(exc, (OperationalError, InterfaceError)):  # the database went away
        response = drf_exception_handler(ServiceUnavailable(), context)
        response["Retry-After"] = "5"
        return response
    return drf_exception_handler(exc, context)


class NewestFirstPagination(CursorPagination):
    """Stable pages of `{next, previous, results}`; a view names its own ordering."""

    page_size = settings.PAGE_SIZE
    max_page_size = settings.MAX_PAGE_SIZE
    page_size_query_param = "page_size"
    ordering = "-created_at"
