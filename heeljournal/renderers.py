"""The renderer of every API answer, and the choice of it."""

import orjson
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder


class FastJSONRenderer(JSONRenderer):
    """DRF's JSON answers, written by orjson: the standard library's encoder was a tenth of
    serving a page of 50 episodes (py-spy on the gunicorn workers). What orjson does not
    know (lazy translations, decimals) goes to DRF's encoder, so the bytes are DRF's, but for
    a float's exponent (1e-07 is 1e-7), NaN (null, where DRF refuses it; no answer holds
    one) and times: orjson writes every digit, and "Z" for UTC, where DRF's encoder would cut
    them to milliseconds. For the UTC times of every answer, that is what DRF's serializer
    fields write, so a record list can hand it times as read (heeljournal/pages.py)."""

    _drf_default = JSONEncoder().default

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        options = orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS
        if self.get_indent(accepted_media_type, renderer_context or {}):  # the browsable API's
            options |= orjson.OPT_INDENT_2
        text = orjson.dumps(data, default=self._drf_default, option=options)
        # DRF escapes the two line separators JavaScript does not allow in a string.
        if b"\xe2\x80\xa8" in text or b"\xe2\x80\xa9" in text:
            text = text.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
        return text


class SingleRendererNegotiation(DefaultContentNegotiation):
    """A view with one renderer (JSON, in production) answers with it whatever the Accept
    header says: DRF's reading of Accept was a tenth of a signed-in request that does nothing
    (measured). Views with several renderers (the schema; DEBUG's browsable API) negotiate."""

    def select_renderer(self, request, renderers, format_suffix=None):
        if len(renderers) == 1:
            return renderers[0], renderers[0].media_type
        return super().select_renderer(request, renderers, format_suffix)

    def get_accept_list(self, request):
        """A blank Accept, as some clients send, takes anything, as no Accept does (DRF: a 406)."""
        return [media for media in super().get_accept_list(request) if media] or ["*/*"]
