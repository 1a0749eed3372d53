"""Text messages (短信) through the provider the environment names (SMS_PROVIDER):

- `aliyun`: Alibaba Cloud SMS, SendSms of dysmsapi 2017-05-25, signed ACS3-HMAC-SHA256;
- `tencent`: Tencent Cloud SMS, SendSms of API 3.0 (2021-01-11), signed TC3-HMAC-SHA256;
- `log` (the default, and `make run`'s): each message is written to the log and nothing is sent.

Both providers send only templates registered with them: a message is a template code and its parameters
(models.SmsTemplate, configured in the admin per provider and purpose), never free text.

Small clients here rather than the providers' SDKs: Alibaba's pulls in some 30 packages (aiohttp, APScheduler,
websocket-client…) for this one call; Tencent's is light but waits 60 s by default and drops the error of an
answer whose Content-Type carries a charset. Neither request is retried here: one that reached the provider may
have been sent, so retries are the Delivery rows' (reminders.deliver), with backoff and a record.
"""

import datetime
import hashlib
import hmac
import json
import logging
import secrets
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.utils import timezone

from core.pii import mask_phone

from .models import SmsTemplate

log = logging.getLogger(__name__)


class SmsError(Exception):
    """The provider did not take the message: its code and message, or what went wrong on the way."""


def _post(url: str, *, body: bytes, headers: dict[str, str]) -> dict:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=settings.SMS_TIMEOUT_SECONDS) as response:  # nosec B310 - the configured provider's https (or loopback) address
            return json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        try:
            answer = json.loads(error.read() or b"{}")
        except ValueError:
            answer = {}
        raise SmsError(f"HTTP {error.code} {answer.get('Code', '')} {answer.get('Message', '')}".strip()) from error
    except (urllib.error.URLError, TimeoutError, ValueError) as error:
        raise SmsError(f"{error.__class__.__name__}: {error}") from error


def _endpoint(default_host: str) -> tuple[str, str]:
    """The URL to post to and the host it is signed for (SMS_ENDPOINT overrides the provider's, for loopback tests)."""
    url = settings.SMS_ENDPOINT or f"https://{default_host}"
    return url.rstrip("/") + "/", urllib.parse.urlsplit(url).netloc


def _rfc3986(value: str) -> str:
    return urllib.parse.quote(value, safe="-_.~")


def send_aliyun(phone: str, template: str, params: dict[str, str], *, now: datetime.datetime | None = None) -> str:
    """SendSms with the parameters in the query string and an empty body, as the SDK sends it; the BizId."""
    url, host = _endpoint("dysmsapi.aliyuncs.com")
    query = {"PhoneNumbers": phone, "SignName": settings.SMS_SIGN_NAME, "TemplateCode": template,
             "TemplateParam": json.dumps(params, ensure_ascii=False, separators=(",", ":"))}
    canonical_query = "&".join(f"{_rfc3986(k)}={_rfc3986(v)}" for k, v in sorted(query.items()))
    empty = hashlib.sha256(b"").hexdigest()
    headers = {"host": host, "x-acs-action": "SendSms", "x-acs-version": "2017-05-25", "x-acs-content-sha256": empty,
               "x-acs-date": (now or timezone.now()).astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
               "x-acs-signature-nonce": secrets.token_hex(16)}
    signed = ";".join(sorted(headers))
    canonical = "\n".join(["POST", "/", canonical_query, "".join(f"{k}:{headers[k]}\n" for k in sorted(headers)), signed, empty])
    to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
    signature = hmac.new(settings.SMS_ACCESS_KEY_SECRET.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
    headers["Authorization"] = f"ACS3-HMAC-SHA256 Credential={settings.SMS_ACCESS_KEY_ID},SignedHeaders={signed},Signature={signature}"
    answer = _post(f"{url}?{canonical_query}", body=b"", headers={k: v for k, v in headers.items() if k != "host"})
    if answer.get("Code") != "OK":  # refusals (a rate limit, a bad number) come back as HTTP 200
        raise SmsError(f"{answer.get('Code', '?')} {answer.get('Message', '')}".strip())
    return answer.get("BizId", "")


def _tc3(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def send_tencent(phone: str, template: str, params: list[str], *, now: datetime.datetime | None = None) -> str:
    """SendSms with a JSON body; the message's serial number."""
    url, host = _endpoint("sms.tencentcloudapi.com")
    body = json.dumps({"PhoneNumberSet": [f"+86{phone}"], "SmsSdkAppId": settings.SMS_SDK_APP_ID, "SignName": settings.SMS_SIGN_NAME,
                       "TemplateId": template, "TemplateParamSet": params}, ensure_ascii=False).encode()
    moment = now or timezone.now()
    stamp, day = str(int(moment.timestamp())), moment.astimezone(datetime.UTC).strftime("%Y-%m-%d")
    content_type = "application/json; charset=utf-8"
    canonical = "\n".join(["POST", "/", "", f"content-type:{content_type}\nhost:{host}\n", "content-type;host", hashlib.sha256(body).hexdigest()])
    scope = f"{day}/sms/tc3_request"
    to_sign = "\n".join(["TC3-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = _tc3(_tc3(_tc3(("TC3" + settings.SMS_ACCESS_KEY_SECRET).encode(), day), "sms"), "tc3_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    answer = _post(url, body=body, headers={
        "Content-Type": content_type, "X-TC-Action": "SendSms", "X-TC-Version": "2021-01-11", "X-TC-Timestamp": stamp,
        "X-TC-Region": settings.SMS_REGION,
        "Authorization": f"TC3-HMAC-SHA256 Credential={settings.SMS_ACCESS_KEY_ID}/{scope}, SignedHeaders=content-type;host, Signature={signature}",
    }).get("Response", {})
    if "Error" in answer:
        raise SmsError(f"{answer['Error'].get('Code', '?')} {answer['Error'].get('Message', '')}".strip())
    status = (answer.get("SendStatusSet") or [{}])[0]
    if status.get("Code") != "Ok":  # per number: a rate limit, a bad number
        raise SmsError(f"{status.get('Code', '?')} {status.get('Message', '')}".strip())
    return status.get("SerialNo", "")


def send_for(purpose: str, phone: str, values: dict[str, str]) -> str:
    """Send the configured provider's template for this purpose (models.SmsTemplate); an SmsError when none is set."""
    template = SmsTemplate.for_purpose(purpose)
    if template is None:
        raise SmsError(f"no SMS template for {purpose} with provider {settings.SMS_PROVIDER}")
    return send(phone, template, values)


def send(phone: str, template, values: dict[str, str]) -> str:
    """Send `template` (an SmsTemplate of the configured provider) to `phone` with these values; the provider's id."""
    provider = settings.SMS_PROVIDER
    params = {name: str(values[name]) for name in template.param_names}
    if provider == "aliyun":
        return send_aliyun(phone, template.code, params)
    if provider == "tencent":
        return send_tencent(phone, template.code, list(params.values()))
    log.info("SMS to %s, template %s: %s", mask_phone(phone), template.code, params, extra={"sms_template": template.code})
    return "logged"
