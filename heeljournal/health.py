"""GET /api/v1/health/: is the database reachable, and the broker?"""

from django.db import connection
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view, authentication_classes, permission_classes, throttle_classes
from rest_framework.response import Response

from heeljournal.celery import app as celery_app

HealthSerializer = inline_serializer("Health", {"database": serializers.CharField(), "broker": serializers.CharField()})


def database_status():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception:
        return "down"


def broker_status():
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception:
        return "down"


@extend_schema(responses={200: HealthSerializer, 503: HealthSerializer})
@api_view(["GET"])
@authentication_classes([])
@permission_classes([])
@throttle_classes([])
def health(request):
    body = {"database": database_status(), "broker": broker_status()}
    healthy = all(value == "ok" for value in body.values())
    return Response(body, status=200 if healthy else 503)
