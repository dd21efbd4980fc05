"""What the care team reads from a request and sends back: the client's address, a file."""

import ipaddress

from django.conf import settings
from django.http import HttpResponse
from django.utils.http import content_disposition_header


def client_address(request):
    """The client's IP address, or None.

    X-Forwarded-For is believed only as far as NUM_PROXIES trusted proxies put it there:
    anything further left was written by the client and says nothing.
    """
    candidate = request.META.get("REMOTE_ADDR", "")
    proxies = settings.NUM_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",")]
        candidate = hops[-min(proxies, len(hops))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


def download_name(patient, what):
    """A clinician's download, named so it is found again among others: whose, and up to which
    of the patient's days."""
    return f"heeljournal {patient.email} {patient.today():%Y-%m-%d} {what}"


def file_download(content, *, content_type, filename):
    """A file of someone's journal, saved rather than shown, and kept out of shared caches."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["Cache-Control"] = "no-store"
    return response
