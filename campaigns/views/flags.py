"""核查提示: the flag queue of a jurisdiction's supervisors, a flag with the records behind it, its review
(属实 or 已排除, after a confirmation) and the cadre's 说明. The rules are in campaigns/flags.py."""

from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.views import attempt, page

from .. import selectors, services
from ..forms import FlagExplainForm, FlagFilterForm, FlagReviewForm
from ..models import Flag


@require_GET
@permission_required("campaigns.view_flag", raise_exception=True)
def flag_list(request):
    form = FlagFilterForm(request.GET or None, user=request.user)
    flags = selectors.flag_queue(request.user, **form.values)
    return render(request, "flags/flag_list.html", {"form": form, "page": page(request, flags, 50)})


@require_GET
@permission_required("campaigns.view_flag", raise_exception=True)
def flag_detail(request, pk):
    flag = selectors.flag_for(request.user, pk)
    return _detail(request, flag)


def _detail(request, flag, review_form=None, explain_form=None):
    may_review = services.can_review(request.user, flag)
    may_explain = flag.cadre_id == request.user.pk and flag.state == Flag.State.OPEN
    return render(request, "flags/flag_detail.html", {
        "flag": flag, "records": selectors.flag_records(request.user, flag),
        "review_form": (review_form or FlagReviewForm()) if may_review else None,
        "explain_form": (explain_form or FlagExplainForm()) if may_explain else None,
    })


@require_POST
@permission_required("campaigns.review_flag", raise_exception=True)
def flag_review(request, pk):
    """The verdict is asked for again before it is recorded: 属实 counts against the cadre and the township."""
    flag = selectors.flag_for(request.user, pk)
    if not services.can_review(request.user, flag):
        raise PermissionDenied
    form = FlagReviewForm(request.POST)
    if not form.is_valid():
        return _detail(request, flag, review_form=form)
    data = form.cleaned_data
    if request.POST.get("confirmed") != "1":
        return render(request, "flags/flag_review_confirm.html", {"flag": flag, "form": form, "verdict": Flag.State(data["verdict"]).label})
    attempt(request, lambda: services.flag_review(actor=request.user, flag_id=flag.pk, verdict=data["verdict"], note=data["note"]),
            _("The review is recorded."))
    return redirect("flags:detail", pk=flag.pk)


@require_POST
@permission_required("campaigns.view_flag", raise_exception=True)
def flag_explain(request, pk):
    flag = selectors.flag_for(request.user, pk)
    form = FlagExplainForm(request.POST)
    if not form.is_valid():
        return _detail(request, flag, explain_form=form)
    attempt(request, lambda: services.flag_explain(actor=request.user, flag_id=flag.pk, explanation=form.cleaned_data["explanation"]),
            _("Your explanation is recorded; the supervisor will see it."))
    return redirect("flags:detail", pk=flag.pk)
