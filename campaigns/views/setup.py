from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.exports import workbook_response
from core.views import attempt as _attempt
from core.views import confirm as _confirm
from core.views import page as _page
from core.views import param as _param

from .. import selectors, services
from ..forms import KIND_DEFAULTS, AssignForm, CampaignForm, ImportForm, ReassignForm, TargetVillageForm, VillagePointForm, initial_for_kind
from ..models import Campaign, ImportJob
from ..roster.files import template_csv, template_xlsx
from ..roster.kinds import KIND_DESCRIPTIONS, KINDS

# --- Campaigns ----------------------------------------------------------------------------


@require_GET
@permission_required("campaigns.view_campaign", raise_exception=True)
def campaign_list(request):
    status = _param(request, "status")
    if status not in Campaign.Status.values:
        status = ""
    search = _param(request, "q")
    page = _page(request, selectors.campaign_list(request.user, status=status, search=search))
    return render(request, "campaigns/campaign_list.html", {
        "page": page, "status": status, "search": search, "statuses": Campaign.Status.choices,
        "can_create": request.user.has_perm("campaigns.add_campaign") and bool(request.user.jurisdiction_id or request.user.is_superuser),
    })


@require_http_methods(["GET", "POST"])
@permission_required("campaigns.add_campaign", raise_exception=True)
def campaign_create(request):
    kind = request.POST.get("kind") or request.GET.get("kind")
    if kind not in KIND_DEFAULTS:
        kinds = [(value, label, KIND_DEFAULTS[value]) for value, label in Campaign.Kind.choices]
        return render(request, "campaigns/campaign_kind.html", {"kinds": kinds})
    initial = initial_for_kind(kind)
    if request.user.jurisdiction_id:
        initial["organiser_region"] = request.user.jurisdiction_id
        initial["organiser_unit"] = request.user.unit_id
    form = CampaignForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        campaign = services.campaign_create(actor=request.user, data=form.cleaned_data)
        messages.success(request, _("Campaign created as a draft. Add target villages and assign cadres, then activate it."))
        return redirect("campaigns:detail", pk=campaign.pk)
    return render(request, "campaigns/campaign_form.html", {"form": form, "kind_label": Campaign.Kind(kind).label})


@require_GET
@permission_required("campaigns.view_campaign", raise_exception=True)
def campaign_detail(request, pk):
    campaign = selectors.campaign_for(request.user, pk)
    villages = _page(request, selectors.target_villages(campaign, request.user))
    return render(request, "campaigns/campaign_detail.html", {
        "campaign": campaign,
        "villages": villages,
        "can_manage": selectors.can_manage(request.user, campaign),
        "events": selectors.campaign_events(campaign)[:8] if selectors.can_see_history(request.user, campaign) else None,
    })


@require_http_methods(["GET", "POST"])
@permission_required("campaigns.change_campaign", raise_exception=True)
def campaign_edit(request, pk):
    campaign = selectors.campaign_for(request.user, pk)
    form = CampaignForm(request.POST or None, instance=campaign, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data}
        if _attempt(request, lambda: services.campaign_update(actor=request.user, campaign_id=campaign.pk, data=data), _("Changes saved."))[0]:
            return redirect("campaigns:detail", pk=campaign.pk)
        campaign.refresh_from_db()
    return render(request, "campaigns/campaign_form.html", {"form": form, "campaign": campaign, "kind_label": campaign.get_kind_display()})


@require_http_methods(["GET", "POST"])
@permission_required("campaigns.change_campaign", raise_exception=True)
def campaign_activate(request, pk):
    campaign = selectors.campaign_for(request.user, pk)
    if request.method == "POST":
        _attempt(request, lambda: services.campaign_activate(actor=request.user, campaign_id=campaign.pk), _("The campaign is active."))
        return redirect("campaigns:detail", pk=campaign.pk)
    return _confirm(
        request, title=_("Activate %(name)s?") % {"name": campaign.name},
        message=_("Cadres will see their villages and start their work. The start date and organiser can no longer be changed."),
        button=_("Activate"), cancel_url=campaign.get_absolute_url(),
    )


@require_http_methods(["GET", "POST"])
@permission_required("campaigns.change_campaign", raise_exception=True)
def campaign_close(request, pk):
    campaign = selectors.campaign_for(request.user, pk)
    if request.method == "POST":
        _attempt(request, lambda: services.campaign_close(actor=request.user, campaign_id=campaign.pk), _("The campaign is closed."))
        return redirect("campaigns:detail", pk=campaign.pk)
    return _confirm(
        request, title=_("Close %(name)s?") % {"name": campaign.name},
        message=_("Assignments end today and the campaign becomes read-only. This cannot be undone."),
        button=_("Close the campaign"), cancel_url=campaign.get_absolute_url(), danger=True,
    )


@require_GET
@permission_required("campaigns.view_campaignevent", raise_exception=True)
def campaign_events(request, pk):
    campaign = selectors.campaign_for(request.user, pk)
    if not selectors.can_see_history(request.user, campaign):
        raise PermissionDenied
    return render(request, "campaigns/campaign_events.html", {"campaign": campaign, "page": _page(request, selectors.campaign_events(campaign), 50)})


# --- Target villages and teams -----------------------------------------------------------


@require_http_methods(["GET", "POST"])
@permission_required("campaigns.add_targetvillage", raise_exception=True)
def villages_add(request, pk):
    campaign = selectors.campaign_for(request.user, pk)
    township = _param(request, "township")
    search = _param(request, "q")
    townships, villages, chosen = selectors.village_picker(request.user, campaign, township=township, search=search)
    if request.method == "POST":
        codes = request.POST.getlist("villages")
        if not codes:
            messages.error(request, _("Tick at least one village."))
        else:
            ok, added = _attempt(request, lambda: services.target_villages_add(actor=request.user, campaign_id=campaign.pk, village_codes=codes))
            if ok:
                messages.success(request, _("%(count)s villages added.") % {"count": added})
                return redirect("campaigns:detail", pk=campaign.pk)
    return render(request, "campaigns/villages_add.html", {
        "campaign": campaign, "townships": townships, "township": township, "search": search,
        "page": _page(request, villages, 50), "chosen": chosen,
    })


@require_http_methods(["GET", "POST"])
@permission_required("campaigns.view_targetvillage", raise_exception=True)
def village_detail(request, pk, target_pk):
    campaign = selectors.campaign_for(request.user, pk)
    target = selectors.target_village_for(request.user, campaign, target_pk)
    can_manage = selectors.can_manage(request.user, campaign)
    form = TargetVillageForm(request.POST or None, instance=target, user=request.user)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if form.is_valid():
            flags = {name: form.cleaned_data[name] for name in target.FLAGS}
            if _attempt(request, lambda: services.target_village_update(
                actor=request.user, target_id=target.pk, flags=flags, helping_unit=form.cleaned_data["helping_unit"]), _("Saved."))[0]:
                return redirect("campaigns:village", pk=campaign.pk, target_pk=target.pk)
    return render(request, "campaigns/village_detail.html", {
        "campaign": campaign, "target": target, "form": form, "can_manage": can_manage,
        "assign_form": AssignForm(user=request.user) if can_manage else None,
        "team": _page(request, selectors.team(target), 50),
    })


@require_POST
@permission_required("campaigns.add_assignment", raise_exception=True)
def village_assign(request, pk, target_pk):
    campaign = selectors.campaign_for(request.user, pk)
    target = selectors.target_village_for(request.user, campaign, target_pk)
    form = AssignForm(request.POST, user=request.user)
    if not form.is_valid():
        for error in [*form.non_field_errors(), *[e for field in form for e in field.errors]]:
            messages.error(request, error)
        return redirect("campaigns:village", pk=campaign.pk, target_pk=target.pk)

    def assign():
        result = services.cadres_assign(
            actor=request.user, target_id=target.pk, cadre_ids=form.cleaned_data["cadre_ids"],
            start_date=form.cleaned_data["start_date"], end_date=form.cleaned_data["end_date"],
        )
        if result.assigned:
            messages.success(request, _("%(count)s cadres assigned.") % {"count": len(result.assigned)})
        for refusal in result.refused:
            messages.error(request, _("Not assigned: %(reason)s") % {"reason": refusal})

    _attempt(request, assign)
    return redirect("campaigns:village", pk=campaign.pk, target_pk=target.pk)


@require_http_methods(["GET", "POST"])
@permission_required("campaigns.delete_targetvillage", raise_exception=True)
def village_remove(request, pk, target_pk):
    campaign = selectors.campaign_for(request.user, pk)
    target = selectors.target_village_for(request.user, campaign, target_pk)
    if request.method == "POST":
        if _attempt(request, lambda: services.target_village_remove(actor=request.user, target_id=target.pk), _("Village removed."))[0]:
            return redirect("campaigns:detail", pk=campaign.pk)
        return redirect("campaigns:village", pk=campaign.pk, target_pk=target.pk)
    return _confirm(
        request, title=_("Remove %(village)s from the campaign?") % {"village": target.village.name},
        message=_("The village is taken off the campaign's list. This is recorded in the change log."),
        button=_("Remove"), cancel_url=target.get_absolute_url(), danger=True,
    )


@require_http_methods(["GET", "POST"])
@permission_required("campaigns.change_assignment", raise_exception=True)
def assignment_end(request, pk, assignment_pk):
    campaign = selectors.campaign_for(request.user, pk)
    assignment = selectors.assignment_for(request.user, campaign, assignment_pk)
    back = assignment.target_village.get_absolute_url()
    if request.method == "POST":
        _attempt(request, lambda: services.assignment_end(actor=request.user, assignment_id=assignment.pk), _("Done."))
        return redirect(back)
    return _confirm(
        request, title=_("Take %(cadre)s off the team?") % {"cadre": assignment.cadre.real_name},
        message=_("Before the assignment begins it is removed; once begun it ends today and stays in the history."),
        button=_("Take off the team"), cancel_url=back, danger=True,
    )


@require_POST
@permission_required("campaigns.change_assignment", raise_exception=True)
def assignment_leader(request, pk, assignment_pk):
    campaign = selectors.campaign_for(request.user, pk)
    assignment = selectors.assignment_for(request.user, campaign, assignment_pk)
    _attempt(request, lambda: services.team_leader_set(actor=request.user, assignment_id=assignment.pk), _("Team leader set."))
    return redirect(assignment.target_village.get_absolute_url())


@require_http_methods(["GET", "POST"])
@permission_required("campaigns.change_assignment", raise_exception=True)
def assignment_reassign(request, pk, assignment_pk):
    campaign = selectors.campaign_for(request.user, pk)
    assignment = selectors.assignment_for(request.user, campaign, assignment_pk)
    form = ReassignForm(request.POST or None, assignment=assignment, user=request.user)
    if request.method == "POST" and form.is_valid():
        if _attempt(request, lambda: services.cadre_reassign(
            actor=request.user, assignment_id=assignment.pk, target_id=form.cleaned_data["target"].pk), _("Cadre moved."))[0]:
            return redirect(form.cleaned_data["target"].get_absolute_url())
    return render(request, "campaigns/reassign.html", {"campaign": campaign, "assignment": assignment, "form": form})


# --- Roster import ------------------------------------------------------------------------


@require_GET
@permission_required("campaigns.view_importjob", raise_exception=True)
def import_list(request):
    return render(request, "campaigns/import_list.html", {
        "page": _page(request, selectors.import_jobs(request.user)),
        "kinds": [(kind, label, KIND_DESCRIPTIONS[kind]) for kind, label in ImportJob.Kind.choices],
    })


@require_http_methods(["GET", "POST"])
@permission_required("campaigns.add_importjob", raise_exception=True)
def import_new(request):
    initial = {"kind": request.GET.get("kind"), "campaign": request.GET.get("campaign")}
    form = ImportForm(request.POST or None, request.FILES or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        ok, job = _attempt(request, lambda: services.roster_import_start(
            actor=request.user, kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"], campaign=form.cleaned_data["campaign"]))
        if ok:
            return redirect("campaigns:import-detail", pk=job.pk)
    return render(request, "campaigns/import_new.html", {"form": form, "kinds": ImportJob.Kind.choices})


@require_GET
@permission_required("campaigns.view_importjob", raise_exception=True)
def import_detail(request, pk):
    job = selectors.import_job_for(request.user, pk)
    return render(request, "campaigns/import_detail.html", {"job": job})


@require_GET
@permission_required("campaigns.view_importjob", raise_exception=True)
def import_progress(request, pk):
    """The progress fragment the detail page polls (htmx) until the job finishes."""
    job = selectors.import_job_for(request.user, pk)
    return render(request, "campaigns/_import_progress.html", {"job": job})


@require_GET
@permission_required("campaigns.add_importjob", raise_exception=True)
def import_template(request, kind, extension):
    if kind not in KINDS or extension not in {"xlsx", "csv"}:
        raise Http404
    roster = KINDS[kind]
    headers = [c.header for c in roster.columns]
    if extension == "xlsx":
        notes = [(c.header, _("yes") if c.required else _("no"), c.note) for c in roster.columns]
        content = template_xlsx(headers, notes)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        content, content_type = template_csv(headers), "text/csv; charset=utf-8"
    response = HttpResponse(content, content_type=content_type)
    filename = f"{kind}-template.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@permission_required("campaigns.add_importjob", raise_exception=True)
def village_codes(request):
    """The villages of the user's jurisdiction with their 12-digit codes, to fill in the 村代码 of a roster."""
    rows = ([v.code, v.name, v.parent_id, v.parent.name] for v in selectors.village_list(request.user))
    headers = [_("Village code"), _("Village"), _("Township code"), _("Township")]
    return workbook_response(f"{_('Village codes')}.xlsx", _("Village codes"), headers, rows)


@require_GET
@permission_required("accounts.change_region", raise_exception=True)
def village_points(request):
    """村位置: each village's reference point, and the median of its check-ins proposed for an administrator to confirm."""
    villages = selectors.village_list(request.user)
    if _param(request, "missing"):
        villages = villages.filter(latitude=None)
    listed = _page(request, villages, 50)
    return render(request, "campaigns/village_points.html", {
        "page": listed, "rows": selectors.village_points(request.user, list(listed.object_list)), "missing": _param(request, "missing"),
        "days": selectors.PROPOSAL_DAYS,
    })


@require_POST
@permission_required("accounts.change_region", raise_exception=True)
def village_point_confirm(request):
    form = VillagePointForm(request.POST)
    if form.is_valid():
        _attempt(request, lambda: services.village_point_set(actor=request.user, **form.cleaned_data), _("The reference point is set."))
    else:
        messages.error(request, _("Latitude and longitude go together, in degrees, such as 28.123456 and 112.987654."))
    return redirect(f"{reverse('campaigns:village-points')}?{request.POST.get('back', '')}")
