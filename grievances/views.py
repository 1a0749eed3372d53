import re

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, permission_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from campaigns.views.helpers import attempt, page, param
from outreach.excel import workbook_response
from outreach.pii import mask_phone
from outreach.ratelimit import allow, blocked, client_ip

from . import deadlines, selectors, services, workflow
from .forms import CaseRegisterForm, LookupForm, NotificationPreferenceForm, move_form
from .models import Case, CaseCategory, CaseEventAttachment, NotificationPreference, Reminder

FILTERS = ["tab", "status", "type", "category", "level", "region", "due_within", "q"]


def _filtered(request):
    values = {name: param(request, name) for name in FILTERS}
    if values["tab"] not in selectors.TABS:
        values["tab"] = "all"
    cases = selectors.case_list(request.user, tab=values["tab"], status=values["status"], type=values["type"],
                                category=values["category"] if re.fullmatch(r"[0-9]{1,9}", values["category"]) else "",
                                level=values["level"],
                                region=values["region"] if re.fullmatch(r"[0-9]{12}", values["region"]) else "",
                                due_within=values["due_within"], search=values["q"])
    return cases, values


@require_GET
@permission_required("grievances.view_case", raise_exception=True)
def case_list(request):
    cases, values = _filtered(request)
    return render(request, "grievances/case_list.html", {
        "page": page(request, cases), "filters": values, "today": timezone.localdate(), "rates": selectors.rates(cases),
        "statuses": Case.Status.choices, "types": Case.Type.choices, "levels": Case.Level.choices,
        "categories": CaseCategory.objects.filter(is_active=True),
        "tabs": [("all", _("All I can see")), ("mine", _("Mine")), ("unit", _("My unit's")), ("led", _("I lead")),
                 ("supervised", _("Supervised")), ("overdue", _("Overdue"))],
    })


@require_GET
@permission_required("grievances.view_case", raise_exception=True)
def case_export(request):
    cases, _values = _filtered(request)
    today = timezone.localdate()
    headers = [_("Case number"), _("Type"), _("Category"), _("Status"), _("Handling level"), _("Township"), _("Village"),
               _("Petitioner"), _("Phone"), _("People"), _("Responsible unit"), _("Responsible leader"), _("Registered at"),
               _("Accept by"), _("Resolve by"), _("Days left"), _("Outcome"), _("Satisfaction")]
    rows = (
        [c.number, c.get_type_display(), str(c.category or ""), c.get_status_display(), c.get_level_display(), c.village.parent.name,
         c.village.name, c.petitioner_name, mask_phone(c.petitioner_phone) if c.petitioner_phone else "", c.head_count,
         str(c.unit or ""), str(c.leader or ""), c.registered_at, c.accept_due, c.resolve_due, c.days_left(today),
         c.get_outcome_display(), c.get_satisfaction_display()]
        for c in cases.iterator(chunk_size=2000)
    )
    return workbook_response(f"信访台账-{today:%Y%m%d}.xlsx", _("Case ledger"), headers, rows)


@require_http_methods(["GET", "POST"])
@permission_required("grievances.add_case", raise_exception=True)
def case_register(request):
    form = CaseRegisterForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {**form.cleaned_data, "village_id": form.cleaned_data.pop("village").code}
        case = services.case_register(actor=request.user, **data)
        messages.success(request, _("Registered as %(number)s.") % {"number": case.number})
        return redirect("grievances:detail", pk=case.pk)
    return render(request, "grievances/case_register.html", {"form": form})


@require_GET
@permission_required("grievances.view_case", raise_exception=True)
def case_detail(request, pk):
    case = selectors.case_for(request.user, pk)
    moves = [(name, workflow.MOVES[name].label, move_form(name, case)) for name in workflow.available(request.user, case)]
    due = case.current_due
    return render(request, "grievances/case_detail.html", {
        "case": case, "moves": moves, "timeline": selectors.timeline(case), "handlers": case.handlers.all(),
        "due_kind": due[0] if due else None, "due_date": due[1] if due else None, "days_left": case.days_left(),
        "articles": deadlines.ARTICLES, "reviews": case.reviews.all(), "mediations": case.mediations.all(),
    })


LEVELS = dict(Case.Level.choices)


@require_GET
@permission_required("grievances.view_case", raise_exception=True)
def rectification_ledger(request, export=False):
    """整改台账: the visible cases counted by level, category and time limit, with 销号 state."""
    cases, values = _filtered(request)
    groups = list(selectors.rectification_ledger(cases))
    for group in groups:
        group["level_label"] = str(LEVELS.get(group["level"], group["level"]))
    if export:
        headers = [_("Handling level"), _("Category"), _("Cases"), _("Overdue"), _("Due within 7 days"), _("Open"), _("Closed (销号)")]
        rows = ([g["level_label"], g["category__name"] or "", g["total"], g["overdue"], g["due_soon"], g["open"], g["closed"]] for g in groups)
        return workbook_response(f"整改台账-{timezone.localdate():%Y%m%d}.xlsx", _("Rectification ledger"), headers, rows)
    return render(request, "grievances/rectification.html", {"groups": groups, "filters": values, "rates": selectors.rates(cases)})


@require_POST
@permission_required("grievances.change_case", raise_exception=True)
def case_move(request, pk, action):
    case = selectors.case_for(request.user, pk)  # an outsider gets 404 before anything else
    if action not in workflow.MOVES:
        raise Http404
    form = move_form(action, case, request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("grievances:detail", pk=case.pk)
    data = dict(form.cleaned_data)
    if action == "assign":
        data["handlers"] = list(data["handlers"])
    attempt(request, lambda: services.MOVE_SERVICES[action](actor=request.user, case_id=case.pk, **data),
            _("Done: %(move)s.") % {"move": workflow.MOVES[action].label})
    return redirect("grievances:detail", pk=case.pk)


@require_POST
@permission_required("grievances.add_case", raise_exception=True)
def case_request_review(request, pk):
    case = selectors.case_for(request.user, pk)
    ok, review = attempt(request, lambda: services.case_request_review(actor=request.user, case_id=case.pk, note=request.POST.get("note", "")[:2000]))
    return redirect("grievances:detail", pk=review.pk if ok else case.pk)


LOOKUPS_PER_ADDRESS = 10
LOOKUPS_PER_NUMBER = 5  # failures per case number, whatever the address: four digits cannot be walked
WINDOW_SECONDS = 600


@login_not_required
@require_http_methods(["GET", "POST"])
def lookup(request):
    """A petitioner follows their case: number + last 4 phone digits; the same answer for every miss."""
    form = LookupForm(request.POST or None)
    context = {"form": form}
    if request.method == "POST":
        address = client_ip(request)
        number = request.POST.get("number", "").strip().upper()[:20]
        if blocked("case-lookup", address, limit=LOOKUPS_PER_ADDRESS) or blocked("case-lookup-number", number, limit=LOOKUPS_PER_NUMBER):
            context["notice"] = _("Too many attempts. Please try again in ten minutes.")
            return render(request, "grievances/lookup.html", context, status=429)
        if form.is_valid():
            case = selectors.public_case(form.cleaned_data["number"], form.cleaned_data["phone_last4"])
            if case is not None:
                return render(request, "grievances/lookup_result.html", {"case": case, "timeline": [e for e in selectors.timeline(case)]})
            allow("case-lookup", address, limit=LOOKUPS_PER_ADDRESS, window_seconds=WINDOW_SECONDS)
            allow("case-lookup-number", number, limit=LOOKUPS_PER_NUMBER, window_seconds=WINDOW_SECONDS)
            context["notice"] = _("No case matches this number and these digits.")
    return render(request, "grievances/lookup.html", context)


@require_GET
@permission_required("grievances.view_case", raise_exception=True)
def inbox(request):
    reminders = Reminder.objects.filter(recipient=request.user).select_related("case__village")
    return render(request, "grievances/inbox.html", {"page": page(request, reminders)})


@require_POST
@permission_required("grievances.view_case", raise_exception=True)
def inbox_read(request, pk=None):
    """Mark one reminder (then open its case) or all of them read."""
    mine = Reminder.objects.filter(recipient=request.user, read_at__isnull=True)
    if pk is None:
        mine.update(read_at=timezone.now())
        return redirect("grievances:inbox")
    reminder = get_object_or_404(Reminder.objects.filter(recipient=request.user), pk=pk)
    mine.filter(pk=reminder.pk).update(read_at=timezone.now())
    return redirect("grievances:detail", pk=reminder.case_id)


@require_http_methods(["GET", "POST"])
@permission_required("grievances.view_case", raise_exception=True)
def notification_settings(request):
    preference, _created = NotificationPreference.objects.get_or_create(user=request.user)
    form = NotificationPreferenceForm(request.POST or None, instance=preference)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Saved."))
        return redirect("grievances:inbox")
    return render(request, "grievances/notification_settings.html", {"form": form})


@require_GET
@permission_required("grievances.view_case", raise_exception=True)
def case_attachment(request, pk, attachment_pk):
    """A document of the timeline, only for those who may see the case."""
    case = selectors.case_for(request.user, pk)
    attachment = get_object_or_404(CaseEventAttachment.objects.filter(event__case=case), pk=attachment_pk)
    return FileResponse(attachment.file.open("rb"), content_type=attachment.content_type, filename=attachment.name)
