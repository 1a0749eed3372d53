"""A body cut off before its Content-Length (the phone lost signal, the connection closed) is refused, never stored
as if whole — tested on a real gunicorn with the deploy config, spoken to over raw sockets, and through nginx.

gunicorn's sync worker hands the app the socket, and its reads come back short at EOF without an error: the app
itself must count the bytes (core.middleware.CompleteBodyMiddleware). Once a cut visit was stored, the phone's
retry with the same client id was answered "already recorded", so the truncated version won for good; here each
cut is answered 400 with nothing written, and the whole resend with the same client id then stores the whole visit."""

import grp
import os
import pwd
import re
import socket
import ssl
import subprocess
import urllib.request
import uuid
from http.cookies import SimpleCookie
from urllib.parse import unquote_to_bytes, urlencode

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from accounts.roles import Role
from campaigns.models import Visit, VisitPhoto
from grievances.models import Case
from tests.campaigns.conftest import assign
from tests.celery_processes import ROOT, Servers, free_port, log_tail, wait_until, worker_database_url
from tests.clock import DAY
from tests.factories import CampaignFactory, HouseholdFactory, UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.wall_clock]

SITE = "outreach.example.gov.cn"  # deploy/nginx/outreach.conf's server_name
DIARY = "入户走访，与户主拉家常，了解到村道路灯坏了三盏，夜里出行不便；帮忙联系了镇供电所的电工，约好明天上午来修。" * 6
BOUNDARY = "----outreach-truncated-body"
INCOMPLETE = "请求不完整"  # the 400 page's reason


@pytest.fixture
def posted(migration_data, regions, campaign_admin, unit_a):
    """A cadre posted to 大坪村 this week, with a household to visit."""
    cadre = UserFactory(real_name="李干部", unit=unit_a, roles=[Role.CADRE])
    today = timezone.localdate()
    campaign = CampaignFactory(organiser_region=regions["county"], start_date=today - 2 * DAY, end_date=today + 4 * DAY)
    assign(campaign_admin, campaign.target_villages.create(village=regions["village_a"]), cadre)
    return cadre, HouseholdFactory(village=regions["village_a"])


@pytest.fixture
def gunicorn(tmp_path):
    """One gunicorn with deploy/gunicorn.conf.py on the test database, this run's Redis database and its own media folder."""
    servers = Servers(tmp_path, worker_database_url(), "consolemail://")
    try:
        yield servers.web("web", REDIS_URL=settings.REDIS_URL, MEDIA_ROOT=str(tmp_path / "media"))
    finally:
        servers.stop()


class Phone:
    """The cadre's phone: signed in (a session in the database), with the visit form's CSRF cookie and token."""

    def __init__(self, base: str, cadre, host: str = "127.0.0.1", context: ssl.SSLContext | None = None):
        signed_in = Client()
        signed_in.force_login(cadre)
        self.cookies = {"sessionid": signed_in.cookies[settings.SESSION_COOKIE_NAME].value}
        self.base, self.host, self.context = base, host, context
        opener = urllib.request.build_opener(*([urllib.request.HTTPSHandler(context=context)] if context else []))
        request = urllib.request.Request(base + "/work/visits/new/", headers={"Host": host, "Cookie": self.cookie_header()})
        with opener.open(request, timeout=10) as page:  # nosec B310 - loopback test server
            html = page.read().decode()
            for header in page.headers.get_all("Set-Cookie"):
                self.cookies.update({name: morsel.value for name, morsel in SimpleCookie(header).items()})
        self.token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def post(self, body: bytes, content_type: str, *, send: int | None = None) -> tuple[int | None, str]:
        """POST the visit form declaring the whole body's length; with `send`, only its first `send` bytes go out,
        then the write side closes (the phone's connection ends) and whatever answer comes is read."""
        port = int(self.base.rsplit(":", 1)[1])
        head = (f"POST /work/visits/new/ HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: {content_type}\r\n"
                f"Content-Length: {len(body)}\r\nCookie: {self.cookie_header()}\r\nReferer: https://{self.host}/work/visits/new/\r\n"
                f"Connection: close\r\n\r\n").encode()
        raw = socket.create_connection(("127.0.0.1", port), timeout=30)
        sock = self.context.wrap_socket(raw, server_hostname=self.host) if self.context else raw
        try:
            sock.sendall(head + (body if send is None else body[:send]))
            if send is not None:
                # TCP FIN: no more bytes will come (under TLS, past SSLSocket.shutdown, which would drop the TLS layer)
                socket.socket.shutdown(sock, socket.SHUT_WR)
            answer = b""
            try:
                while chunk := sock.recv(65536):
                    answer += chunk
            except (ConnectionResetError, ssl.SSLError):
                pass  # the server may close hard after answering a cut request
        finally:
            sock.close()
        if not answer:
            return None, ""
        return int(answer.split(b" ", 2)[1]), dechunked(answer).decode(errors="replace")


def dechunked(answer: bytes) -> bytes:
    head, _, body = answer.partition(b"\r\n\r\n")
    if b"transfer-encoding: chunked" not in head.lower():
        return body
    out = b""
    while body:
        size, _, rest = body.partition(b"\r\n")
        if not int(size, 16):
            break
        out, body = out + rest[: int(size, 16)], rest[int(size, 16) + 2:]
    return out


def visit_form(phone: Phone, household, client_id: str) -> dict:
    return {
        "csrfmiddlewaretoken": phone.token, "client_id": client_id, "household": household.pk,
        "visited_on": timezone.localdate().isoformat(), "kinds": "living", "deed": "帮助联系电工",
        "demand-TOTAL_FORMS": "1", "demand-INITIAL_FORMS": "0", "demand-0-summary": "村道路灯损坏", "demand-0-type": "livelihood",
        "demand-0-head_count": "1", "diary": DIARY,  # last, as the phone's form sends it: a cut falls inside it
    }


def urlencoded(fields: dict) -> tuple[bytes, str]:
    return urlencode(fields).encode(), "application/x-www-form-urlencoded"


def multipart(fields: dict, photo: bytes | None = None) -> tuple[bytes, str]:
    parts = [f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode() for name, value in fields.items()]
    if photo is not None:
        parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="photos"; filename="路灯.jpg"\r\n'
                        f"Content-Type: image/jpeg\r\n\r\n".encode() + photo + b"\r\n")
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode(), f"multipart/form-data; boundary={BOUNDARY}"


def cut_mid_character(body: bytes, fraction: float) -> int:
    """Where to cut a %-encoded body, at or after `fraction` of it, so that it ends inside a Chinese character:
    after the first two of its three escaped bytes."""
    at = body.index(b"%E", int(len(body) * fraction))
    assert unquote_to_bytes(body[at:at + 9]).decode()  # a whole character starts here
    return at + 6


def cut_between_characters(body: bytes, fraction: float) -> int:
    """A cut at or after `fraction` that leaves only whole characters (%-encoded or raw UTF-8): what arrived is valid
    text, just not all of it."""
    start = int(len(body) * fraction)
    if b"%E" in body[start:start + 30]:
        return body.index(b"%E", start)
    return next(at for at in range(start, len(body)) if 0xE0 <= body[at] <= 0xEF)  # the first byte of a Chinese character


def nothing_stored() -> bool:
    return not Visit.objects.exists() and not Case.objects.exists()


def test_cut_urlencoded_and_multipart_visits_are_refused_and_the_whole_resend_is_stored(gunicorn, posted, tmp_path):
    cadre, household = posted
    phone, client_id = Phone(gunicorn, cadre), str(uuid.uuid4())
    fields = visit_form(phone, household, client_id)
    body, content_type = urlencoded(fields)

    # Half of it, ending mid-character, as the tester's phone sent it; then 95%, ending between characters (the
    # text that came is valid, only the length tells); then the multipart form at 95%.
    body_mp, content_type_mp = multipart(fields)
    for cut, sent_body, sent_type in [(cut_mid_character(body, 0.5), body, content_type),
                                      (cut_between_characters(body, 0.95), body, content_type),
                                      (cut_between_characters(body_mp, 0.95), body_mp, content_type_mp)]:
        status, page = phone.post(sent_body, sent_type, send=cut)
        assert status == 400, (cut, len(sent_body), page[:500], log_tail(tmp_path))
        assert INCOMPLETE in page
        assert nothing_stored()
    assert (tmp_path / "web.log").read_text().count("request body cut off") == 3

    status, _ = phone.post(body, content_type)  # the phone's retry, whole, with the same client id
    assert status == 302
    visit = Visit.objects.get()
    assert (str(visit.client_id), visit.diary) == (client_id, DIARY)
    assert list(Case.objects.values_list("summary", flat=True)) == ["村道路灯损坏"]


def test_a_photo_larger_than_memory_uploads_whole_and_a_cut_one_is_refused(gunicorn, posted, tmp_path):
    """Bodies above FILE_UPLOAD_MAX_MEMORY_SIZE are received into a file on disk, and reach the view unchanged."""
    cadre, household = posted
    phone, client_id = Phone(gunicorn, cadre), str(uuid.uuid4())
    photo = b"\xff\xd8\xff\xe0" + os.urandom(4 * 1024 * 1024)  # a JPEG's first bytes, 4 MB in all
    assert len(photo) > settings.FILE_UPLOAD_MAX_MEMORY_SIZE
    body, content_type = multipart(visit_form(phone, household, client_id), photo)

    status, page = phone.post(body, content_type, send=int(len(body) * 0.95))
    assert status == 400 and INCOMPLETE in page
    assert nothing_stored()

    status, _ = phone.post(body, content_type)
    assert status == 302, log_tail(tmp_path)
    stored = VisitPhoto.objects.get(visit__client_id=client_id)
    assert stored.size == len(photo)
    assert (tmp_path / "media" / stored.image.name).read_bytes() == photo


# --- Through nginx, as deployed ---------------------------------------------------------------------------------


@pytest.fixture
def site(tmp_path):
    """nginx with TLS (deploy/nginx/, only ports, certificate and paths rewritten, as in tests/test_nginx.py) in front
    of one gunicorn."""
    servers = Servers(tmp_path, worker_database_url(), "consolemail://")
    scratch = tmp_path / "nginx"
    scratch.mkdir()
    try:
        upstream = servers.web("web", ALLOWED_HOSTS=f"{SITE},127.0.0.1", NUM_PROXIES="1", SECURE_COOKIES="true",
                               GUNICORN_FORWARDED_ALLOW_IPS="127.0.0.3", REDIS_URL=settings.REDIS_URL, MEDIA_ROOT=str(tmp_path / "media"))
        https_port = free_port()
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", f"/CN={SITE}",
                        "-keyout", str(scratch / "privkey.pem"), "-out", str(scratch / "fullchain.pem")], check=True, capture_output=True)
        (scratch / "outreach_proxy.conf").write_text((ROOT / "deploy" / "nginx" / "outreach_proxy.conf").read_text())
        site_conf = (ROOT / "deploy" / "nginx" / "outreach.conf").read_text()
        for old, new in [("/etc/ssl/outreach/", f"{scratch}/"), ("/etc/nginx/outreach_proxy.conf", f"{scratch}/outreach_proxy.conf"),
                         ("/srv/outreach/static/", f"{settings.STATIC_ROOT}/"), ("127.0.0.1:8000", upstream.split("//")[1]),
                         ("listen 80;", f"listen 127.0.0.1:{free_port()};"),
                         ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")]:
            assert old in site_conf, old
            site_conf = site_conf.replace(old, new)
        site_conf = re.sub(r"\n\s*listen \[::\].*", "", site_conf)  # no IPv6 in the sandbox
        (scratch / "site.conf").write_text(site_conf)
        # Workers as this test's own user (nginx's default `nobody` may not read a checkout in a 0700 folder), buffers here.
        worker_user = f"user {pwd.getpwuid(os.geteuid()).pw_name} {grp.getgrgid(os.getegid()).gr_name};\n" if os.geteuid() == 0 else ""
        temp_paths = "".join(f" {kind}_temp_path {scratch}/{kind}_temp;\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        # error_log at info: where nginx says a client closed before its body was complete.
        (scratch / "nginx.conf").write_text(
            f"{worker_user}pid {scratch}/nginx.pid;\nerror_log {scratch}/error.log info;\nevents {{}}\n"
            f"http {{\n include /etc/nginx/mime.types;\n access_log off;\n{temp_paths} proxy_bind 127.0.0.3;\n include {scratch}/site.conf;\n}}\n")
        servers.start("nginx", "nginx", "-c", str(scratch / "nginx.conf"), "-e", str(scratch / "error.log"), "-g", "daemon off;")
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        base = f"https://127.0.0.1:{https_port}"
        assert wait_until(lambda: answers(base + "/healthz", context), 30), log_tail(tmp_path)
        yield base, context
    finally:
        servers.stop()


def answers(url, context) -> bool:
    try:
        request = urllib.request.Request(url, headers={"Host": SITE})
        with urllib.request.build_opener(urllib.request.HTTPSHandler(context=context)).open(request, timeout=2) as response:  # nosec B310
            return response.status == 200
    except OSError:
        return False


def test_through_nginx_a_cut_visit_never_reaches_the_app_and_the_whole_resend_is_stored(site, posted, tmp_path):
    base, context = site
    cadre, household = posted
    phone, client_id = Phone(base, cadre, host=SITE, context=context), str(uuid.uuid4())
    fields = visit_form(phone, household, client_id)
    for body, content_type in (urlencoded(fields), multipart(fields)):
        status, _ = phone.post(body, content_type, send=int(len(body) * 0.5))
        assert status is None  # nginx gives up on the body and closes; the app is never asked
        status, _ = phone.post(body, content_type, send=int(len(body) * 0.95))
        assert status is None
        assert nothing_stored()
    assert "POST /work/visits/new/" not in (tmp_path / "web.log").read_text()
    assert "client prematurely closed connection" in (tmp_path / "nginx" / "error.log").read_text()

    status, _ = phone.post(*urlencoded(fields))
    assert status == 302, log_tail(tmp_path)
    visit = Visit.objects.get()
    assert (str(visit.client_id), visit.diary) == (client_id, DIARY)


def test_a_body_declared_larger_than_the_site_takes_is_refused_before_it_is_read(settings, posted):
    settings.REQUEST_BODY_MAX_BYTES = 1000
    cadre, household = posted
    phone = Client()
    phone.force_login(cadre)
    response = phone.post("/work/visits/new/", {"diary": "长" * 400, "household": household.pk})
    assert response.status_code == 413 and "超过了系统允许的大小" in response.content.decode()
    assert nothing_stored()
