"""Where a request came from, for the access log."""

import ipaddress

from django.conf import settings


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
