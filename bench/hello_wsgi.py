"""The baseline of the API figures: a bare WSGI app served by the same gunicorn settings.

What the server, the sockets and wrk cost without Django; the API's figures are read as a
share of this one, measured in the same run on the same machine.
"""

BODY = b'{"hello": "world"}'
HEADERS = [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))]


def application(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]
