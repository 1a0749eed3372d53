import math
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, permission_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.exports import personal_data_export, workbook_response
from accounts.models import Region, phone_validator
from core import pii
from core.pii import mask_phone
from core.ratelimit import Backoff, client_ip
from core.views import attempt, confirm, id_param, page

from . import deadlines, notifications, online, petitioner, rates, repeats, selectors, services, workflow
from .filters import TABS, CaseFilter
from .forms import (
    CallbackForm,
    CaseRegisterForm,
    LookupForm,
    NotificationPreferenceForm,
    OnlineSubmissionForm,
    RepeatChoiceForm,
    SelfRatingForm,
    move_form,
)
from .models import Case, CaseCategory, CaseEventAttachment, Reminder


def _filtered(request):
    """The cases of the list's query string, through its FilterSet, and the values its controls show."""
    filterset = CaseFilter(request.GET, user=request.user)
    return filterset.qs, filterset.values


@require_GET
@permission_required("grievances.view_case", raise_exception=True)
def case_list(request):
    cases, values = _filtered(request)
    kept = {name: values[name] for name in ("region", "source", "date_from", "date_to", "counted", "mark") if values[name]}
    return render(request, "grievances/case_list.html", {
        "page": page(request, cases), "filters": values, "kept": kept, "kept_query": urlencode(kept),
        "source_label": dict(Case.Source.choices).get(values["source"], values["source"]), "counted_label": rates.BASES.get(values["counted"], ""),
        "mark_label": rates.MARKS[values["mark"]][0] if values["mark"] else "",
        "region": Region.objects.visible_to(request.user).filter(code=values["region"]).first() if values["region"] else None, "today": timezone.localdate(), "rates": selectors.rates(cases),
        "statuses": Case.Status.choices, "types": Case.Type.choices, "levels": Case.Level.choices,
        "categories": CaseCategory.objects.filter(is_active=True), "tabs": TABS,
    })


@require_http_methods(["GET", "POST"])
@permission_required("grievances.view_case", raise_exception=True)
def case_export(request):
    return personal_data_export(request, lambda purpose: _case_workbook(request, purpose))


def _case_workbook(request, purpose: str):
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
    return workbook_response(f"信访台账-{today:%Y%m%d}.xlsx", _("Case ledger"), headers, rows, purpose=purpose)


@require_http_methods(["GET", "POST"])
@permission_required("grievances.add_case", raise_exception=True)
def case_register(request):
    """登记, in two steps when the matter looks like one registered before (grievances/repeats.py): the matches are
    shown with links, and the registrar links the case as a repeat of one of them or registers it as new."""
    form = CaseRegisterForm(request.POST or None, user=request.user)
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        data = {**form.cleaned_data, "village_id": form.cleaned_data.pop("village").code}
        matches = _repeat_matches(request.user, data)
        choice = RepeatChoiceForm(request.POST if "repeat_step" in request.POST else None, matches=matches)
        if matches and not choice.is_valid():
            return render(request, "grievances/case_register.html", {**context, "matches": matches, "choice": choice})
        repeat_of = next((m.case for m in matches if m.case.pk == choice.cleaned_data["repeat_of"]), None) if matches else None
        done, case = attempt(request, lambda: services.case_register(actor=request.user, repeat_of=repeat_of, **data))
        if done:
            messages.success(request, (_("Registered as %(number)s, a repeat of %(original)s.") % {"number": case.number, "original": repeat_of.number})
                             if repeat_of else _("Registered as %(number)s.") % {"number": case.number})
            return redirect("grievances:detail", pk=case.pk)
        context.update(matches=matches, choice=choice)
    return render(request, "grievances/case_register.html", context)


def _repeat_matches(user, data: dict) -> list:
    """The cases, among those the registrar sees, that the new one may repeat."""
    id_number = data.get("petitioner_id_number", "")
    return repeats.find(Case.objects.visible_to(user), village_id=data["village_id"], summary=data["summary"],
                        phone=data.get("petitioner_phone", ""), id_hash=pii.lookup_hash(id_number) if id_number else "")


@require_GET
@permission_required("grievances.view_case", raise_exception=True)
def case_detail(request, pk):
    case = selectors.case_for(request.user, pk)
    # A final move (销号, 不予受理) gets no form here: its panel leads to a page that asks first.
    moves = [(name, workflow.MOVES[name], None if workflow.MOVES[name].confirm else move_form(name, case))
             for name in workflow.available(request.user, case)]
    due = case.current_due
    return render(request, "grievances/case_detail.html", {
        "case": case, "moves": moves, "timeline": selectors.timeline(case), "handlers": case.handlers.all(),
        "due_kind": due[0] if due else None, "due_date": due[1] if due else None, "days_left": case.days_left(),
        "articles": deadlines.ARTICLES, "reviews": case.reviews.all(), "mediations": case.mediations.all(),
        "matches": _possible_repeats(request.user, case), "repeats": case.duplicates.all(),
    })


def _possible_repeats(user, case: Case) -> list:
    """For the intake office, while a case (online, or from a visit) awaits acceptance: the cases it may repeat."""
    if case.status != Case.Status.REGISTERED or case.duplicate_of_id or not (user.is_superuser or workflow.is_intake(user, case)):
        return []
    return repeats.find(Case.objects.visible_to(user), village_id=case.village_id, summary=case.summary, phone=case.petitioner_phone,
                        id_hash=case.petitioner_id_hash, household_id=case.household_id, exclude=case.pk)


@require_http_methods(["GET", "POST"])
@permission_required("grievances.change_case", raise_exception=True)
def case_link_repeat(request, pk):
    """Link the case as a repeat of one its page showed, after asking: the case is closed by it, for good."""
    case = selectors.case_for(request.user, pk)
    original = get_object_or_404(Case.objects.visible_to(request.user), pk=id_param(request, "original") or 0)
    if request.method == "GET":
        return confirm(request, title=_("Link as a repeat"), danger=True, button=_("Link as its repeat"),
                       cancel_url=reverse("grievances:detail", args=[case.pk]),
                       message=_("%(case)s becomes a repeat of %(original)s: it is closed now and counted once, in %(original)s. "
                                 "This cannot be undone.") % {"case": case.number, "original": original.number})
    attempt(request, lambda: services.case_link_repeat(actor=request.user, case_id=case.pk, original_id=original.pk), _("Linked as a repeat."))
    return redirect("grievances:detail", pk=case.pk)


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


def _confirmation(request, case, action, form):
    return render(request, "grievances/case_confirm.html", {"case": case, "action": action, "move": workflow.MOVES[action], "form": form})


@require_GET
@permission_required("grievances.change_case", raise_exception=True)
def case_confirm_move(request, pk, action):
    """The "are you sure?" step of a final move (销号, 不予受理): its form, its consequence, and a way back."""
    case = selectors.case_for(request.user, pk)
    if action not in workflow.MOVES or not workflow.MOVES[action].confirm:
        raise Http404
    ok, _move = attempt(request, lambda: workflow.check(request.user, action, case))  # the wrong person: 403
    if not ok:
        return redirect("grievances:detail", pk=case.pk)
    return _confirmation(request, case, action, move_form(action, case))


@require_POST
@permission_required("grievances.change_case", raise_exception=True)
def case_move(request, pk, action):
    case = selectors.case_for(request.user, pk)  # an outsider gets 404 before anything else
    if action not in workflow.MOVES:
        raise Http404
    form = move_form(action, case, request.POST, request.FILES)
    if not form.is_valid() and workflow.MOVES[action].confirm:
        return _confirmation(request, case, action, form)  # asked again, with what was wrong
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


# Wrong tries at the public lookup make the next one wait, longer each time, instead of locking anyone
# out for a fixed spell. Per case number, whatever the address: four digits cannot be walked (after 5
# misses 30 s, then 1, 2, 4 … minutes up to an hour: about 24 tries a day). Per address after 10 misses,
# and never longer than 15 minutes: many petitioners share an office's or a phone network's address.
LOOKUP_NUMBER_BACKOFF = Backoff("case-lookup-number", free=5, first_wait=30, max_wait=3600, memory=24 * 3600)
LOOKUP_ADDRESS_BACKOFF = Backoff("case-lookup", free=10, first_wait=30, max_wait=15 * 60, memory=3600)
# A browser that once looked a case up keeps a signed note of its number: misses by others on that number
# do not make it wait (its own address still counts), so strangers cannot lock a petitioner out.
LOOKUP_KNOWN_COOKIE = "lookup_known"
LOOKUP_KNOWN_SALT = "grievances.lookup.known"
LOOKUP_KNOWN_MAX = 10


def _known_numbers(request) -> list[str]:
    try:
        numbers = signing.loads(request.COOKIES.get(LOOKUP_KNOWN_COOKIE, ""), salt=LOOKUP_KNOWN_SALT)
    except signing.BadSignature:
        return []
    return [n for n in numbers if isinstance(n, str)][:LOOKUP_KNOWN_MAX] if isinstance(numbers, list) else []


@login_not_required
@require_http_methods(["GET", "POST"])
def lookup(request):
    """A petitioner follows their case: number + last 4 phone digits; the same answer for every miss."""
    form = LookupForm(request.POST or None, initial={"number": request.GET.get("number", "")[:20]})  # the texts' link carries it
    context = {"form": form}
    if request.method == "POST":
        address = client_ip(request)
        number = request.POST.get("number", "").strip().upper()[:20]
        slots = [(LOOKUP_ADDRESS_BACKOFF, address), (LOOKUP_NUMBER_BACKOFF, number)]
        taken = [(backoff, key) for backoff, key in slots if backoff.begin(key)]
        try:
            if len(taken) < len(slots):  # another try on this number or from this address is being checked
                context["notice"] = _("Another attempt is being checked. Please try again in a moment.")
                response = render(request, "grievances/lookup.html", context, status=429)
                response["Retry-After"] = "2"
                return response
            return _lookup_answer(request, form, context, address, number)
        finally:
            for backoff, key in taken:
                backoff.end(key)
    return render(request, "grievances/lookup.html", context)


def _lookup_act(request, case: Case, credentials: dict) -> dict:
    """What the petitioner asked for on their case's page, once the credentials held: a code texted to their phone,
    their rating with it, a review (复查) after 不满意; and the page's context."""
    action, context = request.POST.get("action", ""), {"credentials": credentials}
    rating = SelfRatingForm(request.POST if action == "rate" else None)
    try:
        if action == "code":
            petitioner.rating_code_send(case=case)
        elif action == "rate" and rating.is_valid():
            case = petitioner.case_self_evaluate(case_id=case.pk, **rating.cleaned_data)
            context["rated"], rating = True, SelfRatingForm()
        elif action == "review" and request.POST.get("confirmed") == "1":
            context["review"] = services.case_request_review(actor=None, case_id=case.pk)
    except (ValidationError, PermissionDenied) as error:
        context["error"] = " ".join(error.messages) if isinstance(error, ValidationError) else _(
            "Please ask the petition office to register your request for a review.")
    case.refresh_from_db()
    return {**context, "case": case, "timeline": list(selectors.timeline(case)), "rating": rating,
            "can_rate": petitioner.can_rate(case), "code_sent": petitioner.has_live_code(case), "review_until": petitioner.review_deadline(case)}


def _lookup_answer(request, form, context, address: str, number: str):
    """The lookup's answer while it holds the attempt slots of its number and address."""
    known = _known_numbers(request)
    wait = max(LOOKUP_ADDRESS_BACKOFF.wait(address), 0 if number in known else LOOKUP_NUMBER_BACKOFF.wait(number))
    if wait:
        minutes = math.ceil(wait / 60)
        context["notice"] = ngettext(
            "Too many wrong attempts. Please try again in %(minutes)d minute.",
            "Too many wrong attempts. Please try again in %(minutes)d minutes.", minutes) % {"minutes": minutes}
        response = render(request, "grievances/lookup.html", context, status=429)
        response["Retry-After"] = str(wait)
        return response
    if form.is_valid():
        case = selectors.public_case(form.cleaned_data["number"], form.cleaned_data["phone_last4"])
        if case is not None:
            LOOKUP_NUMBER_BACKOFF.reset(case.number)  # the petitioner proved the digits: others' misses are forgotten
            response = render(request, "grievances/lookup_result.html", _lookup_act(request, case, form.cleaned_data))
            remembered = [case.number, *[n for n in known if n != case.number]][:LOOKUP_KNOWN_MAX]
            response.set_cookie(LOOKUP_KNOWN_COOKIE, signing.dumps(remembered, salt=LOOKUP_KNOWN_SALT), max_age=180 * 24 * 3600,
                                       path=reverse("lookup"), secure=settings.SESSION_COOKIE_SECURE, httponly=True, samesite="Lax")
            return response
        LOOKUP_ADDRESS_BACKOFF.failure(address)
        LOOKUP_NUMBER_BACKOFF.failure(number)
        context["notice"] = _("No case matches this number and these digits.")
    return render(request, "grievances/lookup.html", context)


SUBMITTED_SALT = "grievances.online.submitted"


@login_not_required
@require_http_methods(["GET", "POST"])
def submit(request):
    """网上信访: the public form (grievances/online.py). "Text me a code" sends the code and shows the form again as
    filled in (static/js/submit.js does it without reloading, so chosen photos stay); the submission needs the code."""
    county = (request.POST.get("county") or request.GET.get("county", ""))[:12]
    action = request.POST.get("action", "")
    form = OnlineSubmissionForm(request.POST if action == "submit" else None, request.FILES if action == "submit" else None, county=county,
                                initial=request.POST.dict() if action == "code" else None)
    context = {"form": form}
    if action == "code":
        error = _send_submission_code(request)
        context["code_error"], context["code_sent"] = " ".join(error.messages) if error else "", error is None
    elif action == "submit" and form.is_valid():
        data = {**form.cleaned_data}
        data.pop("county")
        try:
            case = online.case_submit(village_id=data.pop("village"), address=client_ip(request), **data)
        except ValidationError as error:
            context["error"], context["status"] = " ".join(error.messages), 429 if isinstance(error, online.TooOften) else 200
        else:
            return redirect(f"{reverse('submitted')}?{urlencode({'n': signing.dumps(case.number, salt=SUBMITTED_SALT)})}")
    return render(request, "grievances/submit.html", context, status=context.get("status", 200))


def _send_submission_code(request) -> ValidationError | None:
    """Text the code to the phone of the form; what went wrong, if anything."""
    phone = request.POST.get("phone", "").strip()
    if not phone_validator.regex.fullmatch(phone):
        return ValidationError(phone_validator.message)
    try:
        online.submission_code_send(phone=phone, address=client_ip(request))
    except ValidationError as error:
        return error
    return None


@login_not_required
@require_POST
def submit_code(request):
    """The code for the public form, asked for by static/js/submit.js: a JSON answer, the form stays as it is."""
    error = _send_submission_code(request)
    if error is None:
        return JsonResponse({"sent": True, "message": _("A code was texted to your phone; it is valid for 10 minutes.")})
    return JsonResponse({"sent": False, "message": " ".join(error.messages)}, status=429 if isinstance(error, online.TooOften) else 400)


@login_not_required
@require_GET
def submitted(request):
    """After a submission: the case number (signed into the address, so a reload shows it again and nothing else)."""
    try:
        number = signing.loads(request.GET.get("n", ""), salt=SUBMITTED_SALT, max_age=24 * 3600)
    except signing.BadSignature:
        return redirect("submit")
    return render(request, "grievances/submitted.html", {"number": number})


@require_http_methods(["GET", "POST"])
@permission_required("grievances.view_case", raise_exception=True)
def callbacks(request):
    """回访 due (selectors.callback_queue), and a call recorded against one of them (services.case_callback)."""
    due = selectors.callback_queue(request.user)
    if request.method == "POST":
        case = get_object_or_404(due, pk=int(number) if (number := request.POST.get("case", "")).isdigit() and len(number) <= 9 else None)
        form = CallbackForm(request.POST)
        if form.is_valid():
            done, _result = attempt(request, lambda: services.case_callback(actor=request.user, case_id=case.pk, **form.cleaned_data),
                                    _("Call-back recorded for %(number)s.") % {"number": case.number})
            if done:
                return redirect("grievances:callbacks")
        else:
            messages.error(request, _("Say how the call went."))
    return render(request, "grievances/callbacks.html", {"page": page(request, due), "form": CallbackForm(), "today": timezone.localdate()})


@require_GET
@permission_required("grievances.view_case", raise_exception=True)
def inbox(request):
    reminders = Reminder.objects.filter(recipient=request.user).select_related("case__village")
    return render(request, "grievances/inbox.html", {"page": page(request, reminders)})


@require_POST
@permission_required("grievances.view_case", raise_exception=True)
def inbox_read(request, pk=None):
    """Mark one reminder (then open its case) or all of them read."""
    if pk is None:
        notifications.reminders_mark_read(actor=request.user)
        return redirect("grievances:inbox")
    reminder = get_object_or_404(Reminder.objects.filter(recipient=request.user), pk=pk)  # another's: 404
    notifications.reminders_mark_read(actor=request.user, pk=reminder.pk)
    return redirect("grievances:detail", pk=reminder.case_id)


@require_http_methods(["GET", "POST"])
@permission_required("grievances.view_case", raise_exception=True)
def notification_settings(request):
    # Someone who never saved sees the defaults; the row is written only when they save (a GET writes nothing).
    form = NotificationPreferenceForm(request.POST or None, instance=notifications.notification_preference(request.user))
    if request.method == "POST" and form.is_valid():
        notifications.notification_preference_save(actor=request.user, **form.cleaned_data)
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
