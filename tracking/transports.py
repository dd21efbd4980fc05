"""How an alert leaves: email through Django's mail framework, push through FCM HTTP v1.

A transport raises TransportError(permanent=True) when retrying cannot help (a bounced
address, an unregistered phone): the outbox then stops using that address or device.
"""

import logging
import smtplib
from functools import cache

import requests
from django.conf import settings
from django.core.mail import EmailMessage

from accounts.models import Device, User

log = logging.getLogger(__name__)


class TransportError(Exception):
    def __init__(self, message, permanent=False):
        super().__init__(message)
        self.permanent = permanent


class Transport:
    def send(self, notification):
        raise NotImplementedError

    def disable(self, notification):
        """Stop using what answered with a permanent error."""


def alert_body(escalation):
    links = "\n".join(f"- {settings.GUIDANCE_LINK_BASE}{slug}" for slug in escalation.guidance)
    return f"{escalation.message}\n\nRead more:\n{links}\n"


class EmailTransport(Transport):
    def send(self, notification):
        escalation = notification.escalation
        message = EmailMessage(f"HeelJournal: {escalation.title}", alert_body(escalation), to=[escalation.user.email])
        try:
            message.send()
        except smtplib.SMTPRecipientsRefused as error:
            raise TransportError(f"address refused: {error}", permanent=True) from error
        except (smtplib.SMTPException, OSError) as error:
            raise TransportError(f"mail server: {error}") from error

    def disable(self, notification):
        User.objects.filter(pk=notification.escalation.user_id).update(email_deliverable=False)


FCM_SCOPE = "https://www.googleapis.com/auth/firebase.messaging"


@cache
def _fcm_credentials():
    from google.oauth2 import service_account

    return service_account.Credentials.from_service_account_file(settings.FCM_CREDENTIALS_FILE, scopes=[FCM_SCOPE])


def fcm_access_token():
    from google.auth.transport.requests import Request

    credentials = _fcm_credentials()
    if not credentials.valid:
        credentials.refresh(Request())
    return credentials.token


def fcm_post(url, payload, token):
    """The one HTTP call to the push service; tests point FCM_ENDPOINT at a fake server."""
    return requests.post(
        url, json=payload, headers={"Authorization": f"Bearer {token}"}, timeout=settings.PUSH_TIMEOUT_SECONDS
    )


def push_send(device, *, title, body, data):
    """One push to one phone: FCM HTTP v1 for Android and, through FCM's APNs bridge, iOS."""
    if not settings.FCM_CREDENTIALS_FILE:  # development: no push service configured
        log.info("push (not configured) to device %s: %s", device.pk, title)
        return
    payload = {
        "message": {
            "token": device.token,
            "notification": {"title": title, "body": body},
            "data": data,
            "android": {"priority": "high"},
            "apns": {"headers": {"apns-priority": "10"}},
        }
    }
    url = f"{settings.FCM_ENDPOINT}/v1/projects/{settings.FCM_PROJECT_ID}/messages:send"
    try:
        response = fcm_post(url, payload, fcm_access_token())
    except Exception as error:  # network, or the token service: worth another try
        raise TransportError(f"push service unreachable: {error}") from error
    if response.status_code == 200:
        return
    status = _fcm_error_status(response)
    # UNREGISTERED and INVALID_ARGUMENT name a token that will never work again.
    permanent = status in ("UNREGISTERED", "INVALID_ARGUMENT") or response.status_code == 404
    raise TransportError(f"push service answered {response.status_code} {status}", permanent=permanent)


def device_disable(device_id):
    Device.objects.filter(pk=device_id).update(active=False)


class PushTransport(Transport):
    def send(self, notification):
        escalation = notification.escalation
        push_send(
            notification.device,
            title=escalation.title,
            body=escalation.message.split("\n")[0],
            data={"escalation": str(escalation.id), "level": escalation.level, "reason": escalation.reason},
        )

    def disable(self, notification):
        device_disable(notification.device_id)


def _fcm_error_status(response):
    try:
        error = response.json()["error"]
        for detail in error.get("details", []):
            if detail.get("errorCode"):
                return detail["errorCode"]
        return error.get("status", "")
    except (ValueError, KeyError, TypeError, AttributeError):  # not the error shape FCM documents
        return ""


TRANSPORTS = {"email": EmailTransport(), "push": PushTransport()}
