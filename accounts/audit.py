"""The audit trail: `record()` writes one AuditEntry; the receivers below record what happens
without the code that does it having to remember (logins, role and jurisdiction changes, every
change made in the admin). Services call `record()` for case moves, campaign changes, full views of
personal data and exports.

The person and address come from the request being served (`AuditRequestMiddleware` keeps it
while it is served), so a service need not be handed the request.
"""

import contextvars
import datetime

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone

from core.ratelimit import client_ip

from .models import AuditEntry, User

Action = AuditEntry.Action
_request: contextvars.ContextVar = contextvars.ContextVar("audit_request", default=None)


class AuditRequestMiddleware:
    """Keeps the request being served, so an entry it causes knows who and from which address."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)


def record(action: str, *, actor=None, actor_name: str = "", obj=None, summary: str = "", address: str | None = None, **details) -> AuditEntry:
    """Write one entry. Without an actor or address, those of the request being served (none in a Celery task)."""
    request = _request.get()
    if actor is None and request is not None and getattr(request, "user", None) is not None and request.user.is_authenticated:
        actor = request.user
    if address is None and request is not None:
        address = client_ip(request) or None
    known = getattr(actor, "pk", None) is not None
    if action == Action.EXPORT and request is not None:
        details.setdefault("filters", {key: value[:100] for key, value in request.GET.items() if key != "purpose"})
    return AuditEntry.objects.create(
        action=action,
        actor=actor if known else None,
        actor_name=(actor.username if known else actor_name)[:150],
        address=address,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        summary=str(summary)[:300],
        details=details,
    )


def prune(now: datetime.datetime | None = None) -> int:
    """Delete entries older than AUDIT_RETENTION_DAYS (at least 180); the trigger refuses any younger one."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.AUDIT_RETENTION_DAYS)
    deleted, _per_model = AuditEntry.objects.filter(at__lt=cutoff).delete()
    return deleted


# --- What is recorded without anyone calling record() --------------------------------------


@receiver(user_logged_in, dispatch_uid="audit.login")
def _logged_in(sender, request, user, **kwargs):
    record(Action.LOGIN, actor=user)


@receiver(user_login_failed, dispatch_uid="audit.login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    # The account tried, if there is one; whatever else was typed (a password in the wrong box, a phone) is not kept.
    typed = str(credentials.get("username", ""))[:150]
    account = User.objects.filter(username=typed).first()
    record(Action.LOGIN_FAILED, actor=account, summary="" if account else "unknown username", address=client_ip(request) if request else None)


@receiver(user_locked_out, dispatch_uid="audit.locked_out")
def _locked_out(sender, request, username, ip_address, **kwargs):
    account = User.objects.filter(username=str(username or "")[:150]).first()
    record(Action.LOCKED_OUT, actor=account, address=ip_address)


@receiver(user_logged_out, dispatch_uid="audit.logout")
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        record(Action.LOGOUT, actor=user)


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="audit.roles")
def _roles_changed(sender, instance, action, pk_set, reverse, **kwargs):
    """From the user's side (user.groups.add) or the role's (group.user_set.add, as the roster import does)."""
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    from django.contrib.auth.models import Group

    change = action.removeprefix("post_")
    if isinstance(instance, User):
        changed = [(instance, sorted(Group.objects.filter(pk__in=pk_set or []).values_list("name", flat=True)))]
    else:
        changed = [(user, [instance.name]) for user in User.objects.filter(pk__in=pk_set or [])]
    for user, names in changed:
        record(Action.ROLES, obj=user, summary=f"{user.username}: {change} {'、'.join(names)}", change=change, roles=names)


@receiver(pre_save, sender=User, dispatch_uid="audit.jurisdiction")
def _powers_changed(sender, instance, raw=False, **kwargs):
    """Jurisdiction, unit, staff and superuser flags: what decides what a person may see."""
    if raw or instance.pk is None:
        return
    before = User.objects.filter(pk=instance.pk).values("jurisdiction_id", "unit_id", "is_staff", "is_superuser", "is_active").first()
    if before is None:
        return
    after = {name: getattr(instance, name) for name in before}
    changed = {name: [before[name], after[name]] for name in before if before[name] != after[name]}
    if changed:
        record(Action.JURISDICTION, obj=instance, summary=f"{instance.username}: {', '.join(changed)}", changes=changed)


@receiver(post_save, sender=LogEntry, dispatch_uid="audit.admin")
def _admin_change(sender, instance, created, **kwargs):
    if created:
        record(Action.CONFIGURATION, actor=instance.user, summary=f"{instance.get_action_flag_display()} {instance.content_type} {instance.object_repr}",
               content_type=str(instance.content_type), object_id=instance.object_id, change=instance.get_change_message())
