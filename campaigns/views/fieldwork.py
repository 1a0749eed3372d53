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
from ..models import Household, HouseholdEdit
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
            conflicts=selectors.open_conflicts(request.user)[:10],
            open_flags=selectors.open_flags_about(request.user),
        )
    return render(request, "fieldwork/my_work.html", context)


@require_POST
@permission_required("campaigns.add_checkin", raise_exception=True)
def check_in(request):
    form = CheckInForm(request.POST)
    data = form.cleaned_data if form.is_valid() else {}
    def record():
        return services.check_in(cadre=request.user, latitude=data.get("latitude"), longitude=data.get("longitude"),
                                 accuracy=data.get("accuracy"), phone_recorded_at=data.get("phone_recorded_at"))

    def said(result):
        check, created = result
        when = timezone.localtime(check.entered_at).strftime("%H:%M")
        return _("Checked in at %(time)s.") % {"time": when} if created else _("Already checked in today at %(time)s.") % {"time": when}

    if _from_outbox(request):
        return _outbox_answer(request, record, lambda result: reverse("work:home"), said)
    ok, result = attempt(request, record)
    if ok:
        messages.success(request, said(result))
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
        "whole": selectors.household_whole(request.user, household),
        "conflicts": selectors.open_conflicts(request.user, household),
    })


@require_http_methods(["GET", "POST"])
@permission_required("campaigns.view_household", raise_exception=True)
def household_edit(request, pk=None):
    outbox = _from_outbox(request)
    household = selectors.household_for(request.user, pk) if pk else None
    if household is None:
        assignment = selectors.my_assignment(request.user) if outbox else _assignment_or_home(request)
        if assignment is None:
            if outbox:
                return _outbox_refusal(_("You have no village assignment today."))
            return redirect("work:home")
        village = assignment.target_village.village_id
    else:
        village = household.village_id
    if not can_edit_households(request.user, village):
        if outbox:
            return _outbox_refusal(_("You may not edit households of this village."))
        raise PermissionDenied
    form = HouseholdForm(request.POST or None, instance=household, initial={"id_number": ""})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if outbox == "sync" and household is not None:  # kept on the phone: another version may have come since
            return _outbox_answer(request, lambda: services.household_sync(
                actor=request.user, household=household, data=data, base_version=data["version"] or household.version,
                client_id=data["client_id"], phone_recorded_at=data["phone_recorded_at"]), _edit_landing)

        def save():
            return services.household_save(actor=request.user, village_code=village, data=data, household_id=household.pk if household else None,
                                           base_version=data["version"], client_id=data["client_id"], phone_recorded_at=data["phone_recorded_at"])
        if outbox:
            return _outbox_answer(request, save, lambda saved: reverse("work:household", args=[saved.pk]), lambda saved: _("Household saved."))
        ok, saved = attempt(request, save, _("Household saved."))
        if ok:
            return redirect("work:household", pk=saved.pk)
        if household is not None:  # shown again as typed, on the version there is now: saving again is a deliberate choice
            household.refresh_from_db(fields=["version"])
            form.data = form.data.copy()
            form.data["version"] = household.version
    if outbox:
        return _outbox_refusal(*_form_reasons(form))
    return render(request, "fieldwork/household_form.html", {"form": form, "household": household})


def _edit_landing(edit: HouseholdEdit) -> str:
    """Where a household edit sent from the outbox leads: its household, or the choice a conflict waits for."""
    if edit.state == HouseholdEdit.State.CONFLICT:
        return reverse("work:household-conflict", args=[edit.household_id, edit.pk])
    return reverse("work:household", args=[edit.household_id])


@require_http_methods(["GET", "POST"])
@permission_required("campaigns.view_household", raise_exception=True)
def household_conflict(request, pk, edit_pk):
    """A household edit the phone kept while someone else changed the household: both values side by side,
    and the cadre chooses for each field (the server's is kept until then)."""
    household = selectors.household_for(request.user, pk)
    edit = get_object_or_404(HouseholdEdit, pk=edit_pk, household=household, actor=request.user)
    if request.method == "POST" and edit.state == HouseholdEdit.State.CONFLICT:
        keep = {name for name in edit.phone_values if request.POST.get(name) == "phone"}
        if attempt(request, lambda: services.household_conflict_resolve(actor=request.user, edit=edit, keep_phone=keep), _("Household saved."))[0]:
            return redirect("work:household", pk=household.pk)
    return render(request, "fieldwork/household_conflict.html", {"household": household, "edit": edit})


def _from_outbox(request) -> str:
    """A form sent by the phone's outbox (static/js/outbox.js) is answered in JSON, not with a page: "form"
    when the cadre has just pressed its button, "sync" when a kept entry goes up later (no message then)."""
    return request.headers.get("X-Outbox", "") if request.method == "POST" else ""


def _outbox_refusal(*reasons) -> JsonResponse:
    """Why the outbox's entry was not saved: kept on the phone with these reasons, to correct or discard."""
    return JsonResponse({"ok": False, "errors": [str(reason) for reason in reasons]}, status=422)


def _outbox_answer(request, write, landing, message=None) -> JsonResponse:
    """Save an entry the outbox sent: 201 with the page to go on to, or a refusal with the server's reasons
    (a rule broken, the assignment ended, no permission any more: sending again would not help)."""
    try:
        result = write()
    except ValidationError as error:
        return _outbox_refusal(*error.messages)
    except PermissionDenied as error:
        return _outbox_refusal(str(error) or _("Your account may not save this."))
    if message and _from_outbox(request) == "form":  # the cadre goes on to the page: say it there
        messages.success(request, message(result))
    return JsonResponse({"ok": True, "url": landing(result)}, status=201)


def _form_reasons(form) -> list[str]:
    """A form's errors as the outbox shows them: the form's own, then "label：message" for each field."""
    return [*map(str, form.non_field_errors()),
            *(f"{form[name].label}：{error}" for name, errors in form.errors.items() if name != "__all__" for error in errors)]


@require_http_methods(["GET", "POST"])
@permission_required("campaigns.add_visit", raise_exception=True)
def visit_new(request):
    outbox = _from_outbox(request)
    assignment = selectors.my_assignment(request.user) if outbox else _assignment_or_home(request)
    if assignment is None:
        if outbox:
            return _outbox_refusal(_("You have no village assignment today."))
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
                demands=raised, photos=data["photos"], phone_recorded_at=data["phone_recorded_at"],
            )

        recorded = _("Visit recorded; %(count)s demands registered as cases.") % {"count": len(raised)}
        if outbox:
            return _outbox_answer(request, record, lambda result: reverse("work:visit", args=[result[0].pk]), lambda result: recorded)
        ok, result = attempt(request, record)
        if ok:
            visit, created = result
            if created:
                messages.success(request, recorded)
            else:
                messages.info(request, _("This visit was already recorded; nothing was added twice."))
            return redirect("work:visit", pk=visit.pk)
    if outbox:
        return _outbox_refusal(*_form_reasons(form), *demands.non_form_errors(), *(reason for demand in demands.forms for reason in _form_reasons(demand)))
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
    def save():  # once per cadre and household: sending it again only sets the same needs
        return services.pairing_save(cadre=request.user, household=household, needs=needs)

    said = _("Paired with %(name)s.") % {"name": household.head_name}
    if _from_outbox(request):
        return _outbox_answer(request, save, lambda pairing: reverse("work:household", args=[household.pk]), lambda pairing: said)
    save()
    messages.success(request, said)
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
