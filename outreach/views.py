from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.roles import Role

from . import selectors


@require_GET
def home(request):
    """The signed-in user's start page, one section per role they hold."""
    user = request.user
    is_admin = user.is_superuser or user.has_role(Role.CAMPAIGN_ADMIN)
    context = {
        "roles": sorted(user.roles, key=list(Role).index),
        "is_cadre": user.has_role(Role.CADRE),
        "assignment": selectors.current_assignment(user) if user.has_role(Role.CADRE) else None,
        "is_case_worker": bool(user.roles & {Role.HANDLER, Role.LEADER}),
        "counts": selectors.jurisdiction_counts(user),
        "campaigns": selectors.home_campaigns(user),
        "celery": selectors.celery_status() if is_admin or user.is_staff else None,
    }
    return render(request, "home.html", context)
