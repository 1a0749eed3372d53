"""Cross-cutting request checks."""

import codecs
import io
import logging
import tempfile
from urllib.parse import unquote_to_bytes, urlencode

from django.conf import settings
from django.core.exceptions import BadRequest, MiddlewareNotUsed, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpResponse, HttpResponseBadRequest, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.template.loader import render_to_string
from django.urls import get_resolver, get_urlconf
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

# The labels the WHATWG Encoding Standard (what browsers and phone web views follow) decodes as GB18030,
# the superset of GB2312 and GBK: a phone that says "gbk" may still send a GB18030-only character.
GB18030_LABELS = {"chinese", "csgb2312", "csiso58gb231280", "gb2312", "gb_2312", "gb_2312-80", "gbk", "iso-ir-58", "x-gbk",
                  "gb18030", "cp936", "ms936", "windows-936"}


def refusal(message: str, status: int = 400) -> HttpResponse:
    """The project's Chinese 400 page with the reason, rendered without the request: no session, no database."""
    return HttpResponse(render_to_string("400.html", {"message": message}), status=status)


def text_codec(label: str | None) -> str:
    """The Python codec for a declared charset; UTF-8 when none is declared or the label names no text encoding
    (what is sent must then be valid UTF-8, or it is refused)."""
    label = (label or "utf-8").strip().strip('"').lower()
    if label in GB18030_LABELS:
        return "gb18030"
    try:
        b"".decode(label)  # LookupError for unknown labels and for bytes-to-bytes codecs such as "zlib"
        return codecs.lookup(label).name
    except LookupError:
        return "utf-8"


def urlencoded_pairs(body: bytes, codec: str) -> list[tuple[str, str]]:
    """A form body's fields decoded from the declared charset, bytes that are not text in it replaced by U+FFFD
    (which then refuses the request); raw bytes outside %-escapes are read the same way as escaped ones."""
    pairs = []
    for field in body.split(b"&"):
        if field:
            name, _eq, value = field.partition(b"=")
            pairs.append(tuple(unquote_to_bytes(part.replace(b"+", b" ")).decode(codec, "replace") for part in (name, value)))
    return pairs


class CompleteBodyMiddleware:
    """Before any view, and before any middleware that reads the form: the whole body as declared, as text in
    its declared charset, or a Chinese 400 page and nothing done.

    - A body shorter than its Content-Length (the phone lost signal and the connection closed) is refused.
      gunicorn's sync worker gives the app the socket itself and reads short at EOF without an error, and
      Django would parse what came as if it were whole: a diary cut mid-character, stored, and the phone's
      retry with the same client id then answered "already recorded". nginx buffers bodies, but the app
      does not rely on that. The body is received here into a spooled file (memory up to
      FILE_UPLOAD_MAX_MEMORY_SIZE, then disk, so photos still stream) and Django reads it from there.
    - Forms are read in their declared charset (default UTF-8): GBK and GB18030 from Chinese phones are
      decoded, urlencoded ones handed to Django re-encoded as the UTF-8 it insists on. A field that is not
      valid text in its charset (invalid UTF-8, a stray 0x80–0xFF byte) is refused instead of being stored
      as replacement characters. Parse errors (too many fields, a broken multipart body) are answered here
      too, where Django's own 400 page would read the form again and fail with a 500.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = -1
        if declared < 0:
            return refusal(_("The request's length is not a number; nothing was saved."))
        if declared > settings.REQUEST_BODY_MAX_BYTES:
            return refusal(_("The request is larger than the site accepts; nothing was saved."), status=413)
        spool = None
        try:
            if declared:
                spool = self.receive(request, declared)
                if spool is None:
                    return refusal(_("The request arrived incomplete (the connection was cut off); nothing was saved. "
                                     "Please send it again."))
            if request.method == "POST" and request.content_type in FORM_TYPES:
                refused = self.decode_form(request, spool, declared)
                if refused is not None:
                    return refused
            return self.get_response(request)
        finally:
            if spool is not None:
                spool.close()

    @staticmethod
    def receive(request, declared: int):
        """The declared number of bytes from the client into a spooled file Django then reads, or None when the
        body ended (or the connection broke) before them."""
        spool = tempfile.SpooledTemporaryFile(  # noqa: SIM115 - closed after the response, in __call__
            max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE, dir=settings.FILE_UPLOAD_TEMP_DIR)
        received = 0
        try:
            while received < declared:
                chunk = request.read(min(64 * 1024, declared - received))
                if not chunk:
                    break
                spool.write(chunk)
                received += len(chunk)
        except UnreadablePostError:
            pass
        if received < declared:
            spool.close()
            log.warning("request body cut off: %s of %s bytes arrived; refused", received, declared,
                        extra={"received": received, "declared": declared})
            return None
        spool.seek(0)
        request._stream, request._read_started = spool, False  # Django reads the body from here, as from the socket
        return spool

    @staticmethod
    def decode_form(request, spool, declared: int):
        """Parse the form now, in its charset; a refusal if it cannot be read or is not text, else None."""
        codec = text_codec(request.content_params.get("charset"))
        if request.content_type == "multipart/form-data":
            request.encoding = codec  # Django's multipart parser decodes each field with it
        else:
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            if spool is not None and (limit is None or declared <= limit):  # larger: Django refuses it (RequestDataTooBig)
                body = spool.read()
                spool.seek(0)
                if codec != "utf-8" or not body.isascii():
                    utf8 = urlencode(urlencoded_pairs(body, codec)).encode("ascii")
                    request._stream = io.BytesIO(utf8)
                    request.META["CONTENT_LENGTH"] = str(len(utf8))
            request.encoding = "utf-8"  # all Django accepts for this content type (else BadRequest, then a 500)
        try:
            fields, _files = request.POST, request.FILES
        except RequestDataTooBig:
            return refusal(_("The request is larger than the site accepts; nothing was saved."), status=413)
        except (SuspiciousOperation, BadRequest, MultiPartParserError, UnreadablePostError, UnicodeDecodeError):
            return refusal(_("The form could not be read; nothing was saved. Please reload the page and try again."))
        for key, values in fields.lists():
            if "\ufffd" in key or any("\ufffd" in value for value in values):
                return refusal(_("The form holds bytes that are not text in its encoding (%(charset)s); nothing was saved. "
                                 "Please check the text and send it again.") % {"charset": codec})
        return None


class RejectNullBytesMiddleware:
    """A NUL byte in a form or query value is never typed by a person, and PostgreSQL cannot store it:
    answer 400 before any view (or a raw request.POST read in one) meets it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for data in [request.GET, *([request.POST] if request.method == "POST" else [])]:
            for key, values in data.lists():
                if "\x00" in key or any("\x00" in value for value in values):
                    return HttpResponseBadRequest(_("The request holds a NUL character."))
        return self.get_response(request)


class NotFoundPageWithDebugMiddleware:
    """With DEBUG on (`make run`), a page that does not exist answers the project's Chinese 404 page, the one
    production serves, instead of Django's English debug page; tracebacks of errors stay. Not loaded
    with DEBUG off, where Django itself renders the project's page."""

    def __init__(self, get_response):
        if not settings.DEBUG:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # No URL matched: Django answered its debug page before any view or process_exception ran.
        if response.status_code == 404 and request.resolver_match is None:
            return self.not_found(request, Http404())
        return response

    def process_exception(self, request, exception):
        """A view raised Http404 (get_object_or_404, an outsider's request)."""
        if isinstance(exception, Http404):
            return self.not_found(request, exception)
        return None

    @staticmethod
    def not_found(request, exception):
        return get_resolver(get_urlconf()).resolve_error_handler(404)(request, exception)
