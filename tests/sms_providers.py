"""Loopback stand-ins for the two SMS providers, for tests of the code that sends text messages: Alibaba Cloud
(dysmsapi SendSms, version 2017-05-25, ACS3-HMAC-SHA256) and Tencent Cloud (SendSms, API 3.0, version 2021-01-11,
TC3-HMAC-SHA256).

Each server listens on 127.0.0.1 on a free port, in a daemon thread, and behaves as its provider documents: it
verifies the signature exactly, the clock skew and (Alibaba) the nonce, checks the parameters, and answers with the
provider's own status, codes and body shapes, so the official SDKs and a hand-written client both work against it.
The SDKs take the part of `url` after "http://" as their endpoint, with protocol http.

    sms = tencent_server("AKIDtest", "secret-key", "1400000000")
    ...  # the code under test sends through sms.url
    assert sms.received == [{"phone": "13800000000", "template": "123456", "params": ["1234"], "sign_name": "清溪县"}]
    sms.stop()

`received` holds what was delivered, `refused` what was turned away and why, and `fail_next` makes the provider
misbehave for the next valid requests. The servers read the clock with `time.time()`, so under the suite's frozen
clock (tests/clock.py) they share the sender's "now".
"""

import hashlib
import hmac
import json
import re
import threading
import time
import uuid
from abc import ABC, abstractmethod
from collections import deque
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import NamedTuple
from urllib.parse import parse_qsl, quote, urlsplit

FAILURE_MODES = ("500", "timeout", "rate_limit")

_Answer = tuple[int, str, bytes]  # status, Content-Type, body


class _Request(NamedTuple):
    path: str
    query: str
    headers: dict[str, str]  # names lowercased
    body: bytes


class _Refusal(Exception):
    """A request the provider turns away: why (the line recorded in `refused`), and the answer it gets."""

    def __init__(self, reason: str, status: int, body: dict):
        super().__init__(reason)
        self.reason, self.status, self.body = reason, status, body


class ProviderServer(ABC):
    """One provider's SendSms endpoint at `url`, served until `stop()`.

    A request that fails a check (path, signature, clock, nonce, parameters) is refused: a line in `refused`, the
    provider's error answer, and no queued failure used up. Only a request that passes them all meets the next mode
    queued by `fail_next`, or else is delivered: its messages go to `received` and it gets the success answer.
    """

    content_type = "application/json"

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.refused: list[str] = []
        self.hold_seconds: float = 3.0
        self._failures: deque[str] = deque()
        self._stopping = threading.Event()
        self._httpd = _HTTPServer(self)
        self.url = f"http://127.0.0.1:{self._httpd.server_port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, name=f"{type(self).__name__} {self.url}", daemon=True)
        self._thread.start()

    def fail_next(self, *modes: str) -> None:
        """Queue failures, one per coming valid request, in order: "500" (a server error), "timeout" (hold the
        request `hold_seconds`, then answer with the provider's error) or "rate_limit" (the provider's rate-limit
        answer). Nothing is delivered for a request that meets a failure."""
        unknown = sorted(set(modes) - set(FAILURE_MODES))
        if unknown:
            raise ValueError(f"unknown failure modes {unknown}: use {FAILURE_MODES}")
        self._failures.extend(modes)

    def stop(self) -> None:
        """Stop serving and close the port; a request being held is dropped unanswered."""
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()

    def _serve(self, request: _Request) -> _Answer | None:
        """The answer to one request, or None to close the connection without one."""
        if request.path != "/":
            self.refused.append(f"404: POST {request.path}: SendSms is POST /")
            return 404, "text/plain; charset=utf-8", b"404 Not Found\n"
        try:
            return self._answer(request)
        except _Refusal as refusal:
            self.refused.append(refusal.reason)
            return self._json(refusal.status, refusal.body)

    @abstractmethod
    def _answer(self, request: _Request) -> _Answer | None:
        """The provider's answer to a POST /; raises _Refusal for a request it turns away."""

    def _take_failure(self) -> str | None:
        try:
            return self._failures.popleft()
        except IndexError:
            return None

    def _hold(self) -> bool:
        """Sit on the request `hold_seconds`; False if the server was stopped meanwhile."""
        return not self._stopping.wait(self.hold_seconds)

    def _json(self, status: int, body: dict) -> _Answer:
        return status, self.content_type, json.dumps(body, ensure_ascii=False).encode()


class _HTTPServer(ThreadingHTTPServer):
    def __init__(self, provider: ProviderServer):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.provider = provider


class _Handler(BaseHTTPRequestHandler):
    """Hands each POST to the provider and writes its answer, one request per connection."""

    protocol_version = "HTTP/1.1"
    server: _HTTPServer

    def do_POST(self) -> None:
        self.close_connection = True
        url = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {name.lower(): value for name, value in self.headers.items()}
        answer = self.server.provider._serve(_Request(url.path, url.query, headers, body))
        if answer is None:
            return
        status, content_type, payload = answer
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped waiting (a held request)

    def log_message(self, format, *args):
        """Quiet: tests read `received` and `refused`."""


def _mainland_mobile(number: str, prefixes: str) -> str | None:
    """The 11 digits of a mainland China mobile number, written bare or after one of the `prefixes` (a regex)."""
    match = re.fullmatch(f"(?:{prefixes})?(1[0-9]{{10}})", number)
    return match.group(1) if match else None


def _authorization(header: str) -> tuple[str, dict[str, str]]:
    """The algorithm and the comma-separated name=value fields of an Authorization header."""
    algorithm, _, rest = header.partition(" ")
    fields = dict(field.strip().partition("=")[::2] for field in rest.split(","))
    return algorithm, fields


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def _rfc3986_query(query: str) -> str:
    """Alibaba's canonical query string: names and values decoded, re-encoded per RFC 3986 (only A-Z a-z 0-9 - _ . ~
    left as they are, so a space is %20), and sorted by name."""
    pairs = sorted((quote(name, safe="~"), quote(value, safe="~")) for name, value in parse_qsl(query, keep_blank_values=True))
    return "&".join(f"{name}={value}" for name, value in pairs)


def _aliyun_error(status: int, code: str, message: str) -> dict:
    body = {"RequestId": str(uuid.uuid4()).upper(), "Code": code, "Message": message}
    if status != 200:  # the API gateway's errors; the SMS service's own (isv.*) come with HTTP 200
        body |= {"HostId": "dysmsapi.aliyuncs.com", "Recommend": f"https://api.aliyun.com/troubleshoot?q={code}&product=Dysmsapi"}
    return body


def _aliyun_refusal(reason: str, status: int, code: str, message: str) -> _Refusal:
    return _Refusal(f"{code}: {reason}", status, _aliyun_error(status, code, message))


class _AliyunServer(ProviderServer):
    """Alibaba Cloud dysmsapi SendSms: POST / with the parameters in the query string, signed ACS3-HMAC-SHA256."""

    content_type = "application/json;charset=utf-8"
    ACTION, VERSION = "SendSms", "2017-05-25"
    MAX_SKEW_SECONDS = 15 * 60
    NUMBER_PREFIXES = r"\+86|0086|86|\+"  # documented: +/+86/0086/86 or none
    INTERNAL_ERROR = "The request processing has failed due to some unknown error, exception or failure."

    def __init__(self, access_key_id: str, access_key_secret: str):
        self._access_key_id, self._access_key_secret = access_key_id, access_key_secret
        self._nonces: set[str] = set()
        self._nonce_lock = threading.Lock()
        super().__init__()

    def _answer(self, request: _Request) -> _Answer | None:
        self._authenticate(request)
        messages = self._messages(request.query)
        mode = self._take_failure()
        if mode == "timeout" and not self._hold():
            return None
        if mode in ("500", "timeout"):
            return self._json(500, _aliyun_error(500, "InternalError", self.INTERNAL_ERROR))
        if mode == "rate_limit":
            return self._json(200, _aliyun_error(200, "isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控Permits:1"))
        self.received.extend(messages)
        return self._json(200, {"Code": "OK", "Message": "OK", "BizId": f"{uuid.uuid4().int % 10**18:018d}^0", "RequestId": str(uuid.uuid4()).upper()})

    def _authenticate(self, request: _Request) -> None:
        headers = request.headers
        algorithm, fields = _authorization(headers.get("authorization", ""))
        if algorithm != "ACS3-HMAC-SHA256" or not {"Credential", "SignedHeaders", "Signature"} <= fields.keys():
            raise self._incomplete(f"Authorization {headers.get('authorization')!r} is not ACS3-HMAC-SHA256 Credential=…,SignedHeaders=…,Signature=…")
        if fields["Credential"] != self._access_key_id:
            raise _aliyun_refusal(f"unknown AccessKeyId {fields['Credential']!r}", 404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
        if (headers.get("x-acs-action"), headers.get("x-acs-version")) != (self.ACTION, self.VERSION):
            reason = f"x-acs-action {headers.get('x-acs-action')!r}, x-acs-version {headers.get('x-acs-version')!r}: this is SendSms 2017-05-25"
            raise _aliyun_refusal(reason, 404, "InvalidAction.NotFound", "Specified api is not found, please check your url and method.")
        missing = [name for name in ("x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256") if not headers.get(name)]
        if missing:
            raise self._incomplete(f"missing headers {missing}")
        signed = sorted(name.lower() for name in fields["SignedHeaders"].split(";"))
        unsigned = sorted(name for name in headers if (name == "host" or name.startswith("x-acs-")) and name not in signed)
        absent = [name for name in signed if name not in headers]
        if unsigned or absent:
            raise self._incomplete(f"headers sent but not in SignedHeaders: {unsigned}; in SignedHeaders but not sent: {absent}")
        try:
            date = datetime.strptime(headers["x-acs-date"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            raise _aliyun_refusal(f"x-acs-date {headers['x-acs-date']!r} is not yyyy-MM-ddTHH:mm:ssZ", 400, "InvalidTimeStamp.Format",
                                  "Specified time stamp or date value is not well formatted.") from None
        skew = abs(time.time() - date.timestamp())
        if skew > self.MAX_SKEW_SECONDS:
            raise _aliyun_refusal(f"x-acs-date {headers['x-acs-date']} is {skew:.0f} s from the server's clock (15 minutes allowed)", 400,
                                  "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")
        payload_hash = _sha256(request.body)
        if headers["x-acs-content-sha256"] != payload_hash:
            raise _aliyun_refusal(f"x-acs-content-sha256 {headers['x-acs-content-sha256']} is not the body's SHA-256 {payload_hash}", 400,
                                  "SignatureDoesNotMatch", "Specified signature does not match our calculation.")
        canonical_headers = "".join(f"{name}:{headers[name].strip()}\n" for name in signed)
        canonical = "\n".join(["POST", request.path, _rfc3986_query(request.query), canonical_headers, ";".join(signed), payload_hash])
        expected = hmac.new(self._access_key_secret.encode(), f"ACS3-HMAC-SHA256\n{_sha256(canonical.encode())}".encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected.encode(), fields["Signature"].encode()):
            raise _aliyun_refusal(f"Signature {fields['Signature']} is not {expected}, for the canonical request {canonical!r}", 400,
                                  "SignatureDoesNotMatch", "Specified signature does not match our calculation.")
        with self._nonce_lock:
            nonce = headers["x-acs-signature-nonce"]
            if nonce in self._nonces:
                raise _aliyun_refusal(f"x-acs-signature-nonce {nonce} seen before", 400, "SignatureNonceUsed", "Specified signature nonce was used already.")
            self._nonces.add(nonce)

    @staticmethod
    def _incomplete(reason: str) -> _Refusal:
        return _aliyun_refusal(reason, 400, "IncompleteSignature", "The request signature does not conform to Aliyun standards.")

    def _messages(self, query: str) -> list[dict]:
        """The messages a signed request asks for, one per phone number; raises _Refusal for a bad parameter."""
        params = dict(parse_qsl(query, keep_blank_values=True))
        for name in ("PhoneNumbers", "SignName", "TemplateCode"):
            if not params.get(name):
                raise _aliyun_refusal(f"no {name} in the query string", 400, f"Missing{name}", f"{name} is mandatory for this action.")
        numbers = params["PhoneNumbers"].split(",")
        if len(numbers) > 1000:
            raise _aliyun_refusal(f"{len(numbers)} phone numbers, at most 1000", 200, "isv.MOBILE_COUNT_OVER_LIMIT", "手机号码数量超过限制")
        phones = [_mainland_mobile(number, self.NUMBER_PREFIXES) for number in numbers]
        illegal = [number for number, phone in zip(numbers, phones, strict=True) if phone is None]
        if illegal:
            raise _aliyun_refusal(f"PhoneNumbers {illegal} are not mainland mobile numbers", 200, "isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
        try:
            template_params = json.loads(params.get("TemplateParam") or "{}")
        except ValueError:
            template_params = None
        if not isinstance(template_params, dict) or not all(isinstance(value, str) for value in template_params.values()):
            raise _aliyun_refusal(f"TemplateParam {params.get('TemplateParam')!r} is not a JSON object of strings", 200,
                                  "isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值")
        return [{"phone": phone, "template": params["TemplateCode"], "params": dict(template_params), "sign_name": params["SignName"]} for phone in phones]


def _tencent_error(code: str, message: str) -> dict:
    return {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": str(uuid.uuid4())}}


def _tencent_refusal(reason: str, code: str, message: str) -> _Refusal:
    return _Refusal(f"{code}: {reason}", 200, _tencent_error(code, message))


class _TencentServer(ProviderServer):
    """Tencent Cloud SMS SendSms: POST / with a JSON body, signed TC3-HMAC-SHA256, every answer HTTP 200 (but "500").

    Tencent judges each phone number on its own: in a request that is otherwise valid, a malformed number gets its
    own refused line and an InvalidParameterValue.IncorrectPhoneNumber entry in SendStatusSet, beside the others."""

    ACTION, VERSION, SERVICE = "SendSms", "2021-01-11", "sms"
    MAX_SKEW_SECONDS = 5 * 60
    NUMBER_PREFIXES = r"\+86|0086|86"  # documented: E.164 +86, or 0086, 86 or none for mainland numbers
    MISSING = "The request is missing a required parameter `{}`."
    STATUS_MESSAGES = {
        "Ok": "send success",
        "LimitExceeded.PhoneNumberThirtySecondLimit": "the number of sms messages sent from a single mobile number within 30 seconds exceeds the upper limit",
        "InvalidParameterValue.IncorrectPhoneNumber": "incorrect number format",
    }

    def __init__(self, secret_id: str, secret_key: str, sdk_app_id: str):
        self._secret_id, self._secret_key, self._sdk_app_id = secret_id, secret_key, sdk_app_id
        super().__init__()

    def _answer(self, request: _Request) -> _Answer | None:
        self._authenticate(request)
        send = self._parameters(request.body)
        numbers = [(number, _mainland_mobile(number, self.NUMBER_PREFIXES)) for number in send["PhoneNumberSet"]]
        self.refused.extend(f"InvalidParameterValue.IncorrectPhoneNumber: {number!r} is not a mainland mobile number" for number, phone in numbers if phone is None)
        mode = self._take_failure() if any(phone for _, phone in numbers) else None
        if mode == "500":
            return 500, "text/plain; charset=utf-8", b"500 Internal Server Error\n"
        if mode == "timeout":
            return self._json(200, _tencent_error("InternalError.Timeout", "request timeout")) if self._hold() else None
        code = "LimitExceeded.PhoneNumberThirtySecondLimit" if mode == "rate_limit" else "Ok"
        statuses = [self._status(number, phone, code, send["SessionContext"]) for number, phone in numbers]
        if code == "Ok":
            self.received.extend({"phone": phone, "template": send["TemplateId"], "params": list(send["TemplateParamSet"]), "sign_name": send["SignName"]}
                                 for _, phone in numbers if phone)
        return self._json(200, {"Response": {"SendStatusSet": statuses, "RequestId": str(uuid.uuid4())}})

    def _status(self, number: str, phone: str | None, code: str, session_context: str) -> dict:
        """One SendStatusSet entry."""
        if phone is None:
            code = "InvalidParameterValue.IncorrectPhoneNumber"
        sent = code == "Ok"
        return {"SerialNo": f"2640:{uuid.uuid4().int % 10**21:021d}" if sent else "", "PhoneNumber": f"+86{phone}" if phone else number,
                "Fee": int(sent), "SessionContext": session_context, "Code": code, "Message": self.STATUS_MESSAGES[code], "IsoCode": "CN" if phone else ""}

    def _authenticate(self, request: _Request) -> None:
        headers = request.headers
        algorithm, fields = _authorization(headers.get("authorization", ""))
        scope = fields.get("Credential", "").split("/")
        if algorithm != "TC3-HMAC-SHA256" or not {"Credential", "SignedHeaders", "Signature"} <= fields.keys() or len(scope) != 4:
            raise _tencent_refusal(f"Authorization {headers.get('authorization')!r} is not TC3-HMAC-SHA256 Credential=<id>/<date>/sms/tc3_request, "
                                   "SignedHeaders=…, Signature=…", "AuthFailure.InvalidAuthorization", "Authorization in the request header is invalid.")
        if headers.get("x-tc-action") != self.ACTION:
            raise _tencent_refusal(f"X-TC-Action {headers.get('x-tc-action')!r}", "InvalidAction", "The requested action does not exist.")
        if headers.get("x-tc-version") != self.VERSION:
            raise _tencent_refusal(f"X-TC-Version {headers.get('x-tc-version')!r}, this is 2021-01-11", "NoSuchVersion", "The API version does not exist.")
        for header, parameter in (("x-tc-region", "Region"), ("x-tc-timestamp", "Timestamp")):
            if not headers.get(header):
                raise _tencent_refusal(f"no X-TC-{parameter} header", "MissingParameter", self.MISSING.format(parameter))
        timestamp = headers["x-tc-timestamp"]
        if not re.fullmatch("[0-9]+", timestamp):
            raise _tencent_refusal(f"X-TC-Timestamp {timestamp!r} is not a Unix time", "InvalidParameter", "The parameter `Timestamp` is invalid.")
        skew = abs(time.time() - int(timestamp))
        if skew > self.MAX_SKEW_SECONDS:
            raise _tencent_refusal(f"X-TC-Timestamp {timestamp} is {skew:.0f} s from the server's clock (5 minutes allowed)", "AuthFailure.SignatureExpire",
                                   "Signature expired. Timestamp and server time cannot differ by more than five minutes.")
        secret_id, date, service, terminator = scope
        if secret_id != self._secret_id:
            raise _tencent_refusal(f"unknown SecretId {secret_id!r}", "AuthFailure.SecretIdNotFound", "The SecretId is not found.")
        signature_failure = "The provided credentials could not be validated. Please check your signature is correct."
        utc_date = datetime.fromtimestamp(int(timestamp), UTC).strftime("%Y-%m-%d")
        if (date, service, terminator) != (utc_date, self.SERVICE, "tc3_request"):
            raise _tencent_refusal(f"credential scope {date}/{service}/{terminator} is not {utc_date}/sms/tc3_request (the UTC date of X-TC-Timestamp)",
                                   "AuthFailure.SignatureFailure", signature_failure)
        signed = sorted(name.lower() for name in fields["SignedHeaders"].split(";"))
        if not {"content-type", "host"} <= set(signed) or any(name not in headers for name in signed):
            raise _tencent_refusal(f"SignedHeaders {fields['SignedHeaders']!r} must name content-type and host, and only headers sent",
                                   "AuthFailure.InvalidAuthorization", "Authorization in the request header is invalid.")
        canonical_headers = "".join(f"{name}:{headers[name].strip().lower()}\n" for name in signed)
        canonical = "\n".join(["POST", "/", "", canonical_headers, ";".join(signed), _sha256(request.body)])
        string_to_sign = "\n".join(["TC3-HMAC-SHA256", timestamp, f"{date}/{service}/tc3_request", _sha256(canonical.encode())])
        key = _hmac(_hmac(_hmac(f"TC3{self._secret_key}".encode(), date), service), "tc3_request")
        expected = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected.encode(), fields["Signature"].encode()):
            raise _tencent_refusal(f"Signature {fields['Signature']} is not {expected}, for the canonical request {canonical!r}",
                                   "AuthFailure.SignatureFailure", signature_failure)

    def _parameters(self, body: bytes) -> dict:
        """The SendSms parameters of a signed request, with the optional ones filled in; raises _Refusal for a bad one."""
        try:
            send = json.loads(body)
        except ValueError:
            send = None
        if not isinstance(send, dict):
            raise _tencent_refusal(f"the body {body[:200]!r} is not a JSON object", "FailedOperation.JsonParseFail", "Failed to parse the request body.")
        send = {"TemplateParamSet": [], "SessionContext": ""} | send
        if not send.get("PhoneNumberSet"):
            raise _tencent_refusal("no PhoneNumberSet", "MissingParameter.EmptyPhoneNumberSet", "The PhoneNumberSet is empty.")
        for name in ("SmsSdkAppId", "TemplateId", "SignName"):  # SignName is optional abroad, needed for mainland numbers
            if not send.get(name):
                raise _tencent_refusal(f"no {name}", "MissingParameter", self.MISSING.format(name))
        for name in ("PhoneNumberSet", "TemplateParamSet"):
            if not isinstance(send[name], list) or not all(isinstance(item, str) for item in send[name]):
                raise _tencent_refusal(f"{name} {send[name]!r} is not a list of strings", "InvalidParameter", f"The parameter `{name}` type is incorrect.")
        for name in ("SmsSdkAppId", "TemplateId", "SignName", "SessionContext"):
            if not isinstance(send[name], str):
                raise _tencent_refusal(f"{name} {send[name]!r} is not a string", "InvalidParameter", f"The parameter `{name}` type is incorrect.")
        if send["SmsSdkAppId"] != self._sdk_app_id:
            raise _tencent_refusal(f"SmsSdkAppId {send['SmsSdkAppId']!r} is not {self._sdk_app_id!r}", "InvalidParameterValue.SdkAppIdNotExist", "SdkAppId does not exist.")
        if len(send["PhoneNumberSet"]) > 200:
            raise _tencent_refusal(f"{len(send['PhoneNumberSet'])} phone numbers, at most 200", "LimitExceeded.PhoneNumberCountLimit",
                                   "The number of phone numbers exceeds the limit of 200.")
        return send


def aliyun_server(access_key_id: str, access_key_secret: str) -> ProviderServer:
    """An Alibaba Cloud SMS endpoint that accepts requests signed with this AccessKey pair."""
    return _AliyunServer(access_key_id, access_key_secret)


def tencent_server(secret_id: str, secret_key: str, sdk_app_id: str) -> ProviderServer:
    """A Tencent Cloud SMS endpoint that accepts requests signed with this SecretId/SecretKey for this SmsSdkAppId."""
    return _TencentServer(secret_id, secret_key, sdk_app_id)


def use_provider(settings, name: str, key_id: str, secret: str, sdk_app_id: str = "1400000000") -> ProviderServer:
    """Start `name`'s server and point the Django settings (pytest-django's `settings`) at it; the caller stops it."""
    server = aliyun_server(key_id, secret) if name == "aliyun" else tencent_server(key_id, secret, sdk_app_id)
    settings.SMS_PROVIDER, settings.SMS_ENDPOINT, settings.SMS_SIGN_NAME = name, server.url, "清溪县信访局"
    settings.SMS_ACCESS_KEY_ID, settings.SMS_ACCESS_KEY_SECRET, settings.SMS_SDK_APP_ID = key_id, secret, sdk_app_id
    return server
