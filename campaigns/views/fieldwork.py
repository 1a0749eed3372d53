"""A cadre's pages, on a phone in the village: my work, check-in, households, visits, diary."""

import re
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.exports import personal_data_export, workbook_response
from accounts.regions import is_valid_code
from core.views import attempt, id_param, page, param

from .. import selectors, services
from ..forms import CheckInForm, DemandFormSet, HouseholdForm, RatingCardsForm, VisitEditForm, VisitForm, household_label
from ..models import Household
from ..services.fieldwork import can_edit_households, can_pair, may_print_rating_cards, rating_cards_issue
from .public import rating_qr_svg, rating_url


def _assignment_or_home(request):
    assignment = selectors.my_assignment(request.user)
    if assignment is None:
        messages.info(request, _("You have no village assignment today."))
    return assignment


@require_GET
@permission_required("campaigns.add_visit", raise_exception=True)
def my_work(request):
    assignment = selectors.my_assignment(request.user)
    context = {"assignment": assignment}
    if assignment:
        campaign = assignment.target_village.campaign
        context.update(
            campaign=campaign,
            progress=selectors.my_progress(request.user, campaign),
            check_in=selectors.checked_in_today(request.user),
            pairings=selectors.my_pairings(request.user, campaign)[:10],
            recent=selectors.diary(request.user)[:5],
            check_in_form=CheckInForm(),
        )
    return render(request, "fieldwork/my_work.html", context)


@require_POST
@permission_required("campaigns.add_checkin", raise_exception=True)
def check_in(request):
    form = CheckInForm(request.POST)
    location = form.cleaned_data if form.is_valid() else {}
    ok, result = attempt(request, lambda: services.check_in(
        cadre=request.user, latitude=location.get("latitude"), longitude=location.get("longitude"), accuracy=location.get("accuracy")))
    if ok:
        check, created = result
        when = timezone.localtime(check.checked_at).strftime("%H:%M")
        messages.success(request, _("Checked in at %(time)s.") % {"time": when} if created else _("Already checked in today at %(time)s.") % {"time": when})
    return redirect("work:home")


@require_GET
@permission_required("campaigns.view_household", raise_exception=True)
def household_list(request):
    assignment = _assignment_or_home(request)
    if assignment is None:
        return redirect("work:home")
    search = param(request, "q")
    households = selectors.village_households(request.user, assignment.target_village.village_id, search=search)
    return render(request, "fieldwork/household_list.html", {"assignment": assignment, "page": page(request, households), "search": search})


@require_http_methods(["GET", "POST"])
@permission_required("campaigns.view_household", raise_exception=True)
def household_detail(request, pk):
    household = selectors.household_for(request.user, pk)
    revealed = {}
    if request.method == "POST":  # "show the full value": a deliberate act, recorded
        field = request.POST.get("field")
        if field not in {"id_number", "phone"}:
            raise PermissionDenied
        revealed[field] = services.household_reveal(actor=request.user, household=household, field=field)
    return render(request, "fieldwork/household_detail.html", {
        "household": household, "revealed": revealed,
        "can_edit": can_edit_households(request.user, household.village_id),
        "can_pair": can_pair(request.user, household),
        "can_reveal_id": request.user.has_perm("campaigns.reveal_id_number"),
        "can_reveal_phone": request.user.has_perm("campaigns.reveal_phone"),
        # The same ID number in another household the viewer may see in full: for an administrator to merge.
        "duplicates": (Household.objects.visible_to(request.user).sharing_id_number_with(household).select_related("village")
                       if request.user.has_perm("campaigns.reveal_id_number") else []),
        "visits": selectors.household_visits(request.user, household),
    })


@require_http_methods(["GET", "POST"])
@permission_required("campaigns.view_household", raise_exception=True)
def household_edit(request, pk=None):
    household = selectors.household_for(request.user, pk) if pk else None
    if household is None:
        assignment = _assignment_or_home(request)
        if assignment is None:
            return redirect("work:home")
        village = assignment.target_village.village_id
    else:
        village = household.village_id
    if not can_edit_households(request.user, village):
        raise PermissionDenied
    form = HouseholdForm(request.POST or None, instance=household, initial={"id_number": ""})
    if request.method == "POST" and form.is_valid():
        ok, saved = attempt(request, lambda: services.household_save(actor=request.user, village_code=village, data=form.cleaned_data, household_id=household.pk if household else None), _("Household saved."))
        if ok:
            return redirect("work:household", pk=saved.pk)
    return render(request, "fieldwork/household_form.html", {"form": form, "household": household})


def _from_outbox(request) -> str:
    """A visit sent by the phone's outbox (static/js/outbox.js) is answered in JSON, not with a page: "form"
    when the cadre has just pressed 保存走访, "sync" when a kept entry goes up later (no message then)."""
    return request.headers.get("X-Outbox", "") if request.method == "POST" else ""


def _form_reasons(form) -> list[str]:
    """A form's errors as the outbox shows them: the form's own, then "label：message" for each field."""
    return [*map(str, form.non_field_errors()),
            *(f"{form[name].label}：{error}" for name, errors in form.errors.items() if name != "__all__" for error in errors)]


def _refused(form, demands) -> JsonResponse:
    """Why a visit the outbox sent was not recorded: the visit form's errors, then the demands'."""
    reasons = _form_reasons(form) + [*map(str, demands.non_form_errors())]
    for demand in demands.forms:
        reasons += _form_reasons(demand)
    return JsonResponse({"ok": False, "errors": reasons}, status=422)


@require_http_methods(["GET", "POST"])
@permission_required("campaigns.add_visit", raise_exception=True)
def visit_new(request):
    outbox = _from_outbox(request)
    assignment = selectors.my_assignment(request.user) if outbox else _assignment_or_home(request)
    if assignment is None:
        if outbox:
            return JsonResponse({"ok": False, "errors": [_("You have no village assignment today.")]}, status=422)
        return redirect("work:home")
    initial = {"client_id": uuid.uuid4(), "visited_on": timezone.localdate(), "household": request.GET.get("household")}
    form = VisitForm(request.POST or None, request.FILES or None, households=selectors.pickable_households(request.user, assignment), initial=initial)
    demands = DemandFormSet(request.POST or None, prefix="demand")
    if request.method == "POST" and form.is_valid() and demands.is_valid():
        data = form.cleaned_data
        raised = [
            services.DemandInput(d["summary"].strip(), d["type"], d.get("head_count") or 1)
            for d in demands.cleaned_data if d.get("summary", "").strip()
        ]
        def record():
            return services.visit_record(
                cadre=request.user, client_id=data["client_id"], visited_on=data["visited_on"], household=data["household"],
                kinds=data["kinds"], ate_together=data["ate_together"], stayed_overnight=data["stayed_overnight"],
                laboured_together=data["laboured_together"], diary=data["diary"], deed=data["deed"], deed_value=data["deed_value"],
                pairing_progress=data["pairing_progress"], latitude=data["latitude"], longitude=data["longitude"],
                demands=raised, photos=data["photos"],
            )

        recorded = _("Visit recorded; %(count)s demands registered as cases.") % {"count": len(raised)}
        if outbox:
            try:
                visit, created = record()
            except ValidationError as error:
                return JsonResponse({"ok": False, "errors": error.messages}, status=422)
            if outbox == "form" and created:  # the cadre goes on to the visit's page: say it there
                messages.success(request, recorded)
            return JsonResponse({"ok": True, "created": created, "url": reverse("work:visit", args=[visit.pk])}, status=201)
        ok, result = attempt(request, record)
        if ok:
            visit, created = result
            if created:
                messages.success(request, recorded)
            else:
                messages.info(request, _("This visit was already recorded; nothing was added twice."))
            return redirect("work:visit", pk=visit.pk)
    if outbox:
        return _refused(form, demands)
    # The drop-down lists a few households (paired, recent, the chosen one); the picker searches the rest.
    chosen = (request.POST if request.method == "POST" else request.GET).get("household", "")
    form.offer(selectors.household_shortlist(request.user, assignment, chosen=int(chosen) if re.fullmatch(r"[0-9]{1,9}", chosen) else None))
    return render(request, "fieldwork/visit_form.html", {"form": form, "demands": demands, "assignment": assignment})


@require_GET
@permission_required(["campaigns.add_visit", "campaigns.view_household"], raise_exception=True)
def household_picker(request):
    """The visit form's picker: a page of today's village's households matching `q` (number, name or address),
    paired and recent first, as JSON with masked data only — never a full phone or ID number."""
    assignment = selectors.my_assignment(request.user)
    if assignment is None:
        raise Http404
    number = id_param(request, "page") or 1
    households, more = selectors.household_picker(request.user, assignment, search=param(request, "q")[:50], page=number)
    response = JsonResponse({"page": number, "more": more, "results": [{
        "id": h.pk, "label": household_label(h), "number": h.number, "head_name": h.head_name, "address": h.address,
        "phone": h.masked_phone, "paired": h.is_paired, "recent": h.is_recent,
    } for h in households]})
    patch_cache_control(response, private=True)
    return response


@require_GET
@permission_required("campaigns.view_visit", raise_exception=True)
def visit_detail(request, pk):
    visit = selectors.visit_for(request.user, pk)
    return render(request, "fieldwork/visit_detail.html", {
        "visit": visit, "cases": selectors.visit_cases(request.user, visit), "photos": visit.photos.all(),
        "revisions": visit.revisions.select_related("edited_by"),
        "can_edit": visit.cadre_id == request.user.pk and visit.is_editable(),
    })


@require_http_methods(["GET", "POST"])
@permission_required("campaigns.add_visit", raise_exception=True)
def visit_edit(request, pk):
    visit = selectors.visit_for(request.user, pk)
    form = VisitEditForm(request.POST or None, instance=visit)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.changed_data}
        visit.refresh_from_db()  # the form changed the instance in memory
        if attempt(request, lambda: services.visit_edit(actor=request.user, visit_id=visit.pk, data=data), _("Saved."))[0]:
            return redirect("work:visit", pk=visit.pk)
    return render(request, "fieldwork/visit_edit.html", {"form": form, "visit": visit})


@require_GET
@permission_required("campaigns.view_visit", raise_exception=True)
def diary(request):
    return render(request, "fieldwork/diary.html", {"page": page(request, selectors.diary(request.user))})


@require_GET
@permission_required("campaigns.view_visit", raise_exception=True)
def diary_print(request):
    entries = selectors.diary(request.user).order_by("visited_on", "recorded_at")[:500]
    return render(request, "fieldwork/diary_print.html", {"entries": entries, "printed_at": timezone.localtime()})


@require_POST
@permission_required("campaigns.add_pairing", raise_exception=True)
def pair(request, pk):
    household = selectors.household_for(request.user, pk)
    needs = request.POST.get("needs", "").strip()[:2000]
    services.pairing_save(cadre=request.user, household=household, needs=needs)
    messages.success(request, _("Paired with %(name)s.") % {"name": household.head_name})
    return redirect("work:household", pk=household.pk)


@require_GET
@permission_required("campaigns.view_checkin", raise_exception=True)
def absent(request):
    """Supervisors: who is posted today and has not checked in."""
    absent = selectors.absent_today(request.user)
    region, campaign = param(request, "region"), id_param(request, "campaign")
    if is_valid_code(region):  # the campaign dashboard links here for one region and campaign
        absent = absent.in_region(region)
    if campaign:
        absent = absent.filter(target_village__campaign=campaign)
    return render(request, "fieldwork/absent.html", {"page": page(request, absent, 50), "today": timezone.localdate()})


@require_http_methods(["GET", "POST"])
@permission_required("campaigns.view_targetvillage", raise_exception=True)
def ledger(request, target_pk, export=False):
    target = selectors.team_village_for(request.user, target_pk)
    rows = selectors.village_ledger(request.user, target)
    if export:
        headers = [_("Household number"), _("Head of household"), _("Address"), _("Phone"), _("Tags"), _("Visits"), _("Last visit"), _("Demands"), _("Paired with")]
        data = ([h.number, h.head_name, h.address, h.masked_phone, "、".join(h.tag_labels), h.visit_count, h.last_visit, h.demand_count, h.paired_with or ""] for h in rows)
        return personal_data_export(request, lambda purpose: workbook_response(
            f"民情台账-{target.village.name}.xlsx", _("People's ledger"), headers, data, purpose=purpose))
    return render(request, "fieldwork/ledger.html", {"target": target, "page": page(request, rows, 50)})


@require_GET
@permission_required("campaigns.view_targetvillage", raise_exception=True)
def rating_link(request, target_pk):
    """The team's public rating link and its QR code, to show or print for residents."""
    target = selectors.team_village_for(request.user, target_pk)
    url = rating_url(request, target)
    return render(request, "fieldwork/rating_link.html", {
        "target": target, "url": url, "qr": rating_qr_svg(url), "can_print_cards": may_print_rating_cards(request.user, target),
    })


@require_http_methods(["GET", "POST"])
@permission_required("campaigns.change_targetvillage", raise_exception=True)
def rating_cards(request, target_pk):
    """The campaign office prints the village's 评议卡: each household's code, shown on this page once (a POST,
    with a stated purpose) and kept only as a hash. The work team has no way here."""
    target = selectors.team_village_for(request.user, target_pk)
    if not may_print_rating_cards(request.user, target):
        raise PermissionDenied
    form = RatingCardsForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        ok, cards = attempt(request, lambda: rating_cards_issue(
            actor=request.user, target=target, purpose=form.statement, household_number=form.cleaned_data["household_number"]))
        if ok:
            url = rating_url(request, target)
            response = render(request, "fieldwork/rating_cards.html", {
                "target": target, "cards": cards, "url": url, "qr": rating_qr_svg(url, sized_by_css=True), "printed_at": timezone.localtime(),
            })
            patch_cache_control(response, no_store=True, private=True)  # the codes exist nowhere else: no copy in a cache
            return response
    return render(request, "fieldwork/rating_cards_issue.html", {"target": target, "form": form})


@require_GET
@permission_required("campaigns.view_visit", raise_exception=True)
def visit_photo(request, pk, photo_pk):
    """Photos are served only to those who may see the visit, never from a public folder."""
    visit = selectors.visit_for(request.user, pk)
    photo = get_object_or_404(visit.photos, pk=photo_pk)
    return FileResponse(photo.image.open("rb"), content_type=photo.content_type)


@require_GET
@permission_required("campaigns.add_visit", raise_exception=True)
def outbox(request):
    """待上传: what this phone keeps to send (static/js/outbox.js lists it; nothing of it is on the server)."""
    return render(request, "fieldwork/outbox.html")


@require_GET
@permission_required("campaigns.add_visit", raise_exception=True)
def outbox_session(request):
    """Before the outbox sends: who is signed in (it sends only that cadre's entries) and a fresh CSRF token."""
    response = JsonResponse({"user": request.user.pk, "token": get_token(request)})
    patch_cache_control(response, no_store=True)
    return response
