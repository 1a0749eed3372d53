"""The navigation bar: which entries each role sees. Later features add their entries here."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .roles import Role


@dataclass(frozen=True)
class NavItem:
    label: Promise
    url_name: str
    roles: frozenset[Role] | None = None  # None: every signed-in user
    staff_only: bool = False

    def shown_to(self, user) -> bool:
        if self.staff_only:
            return user.is_staff
        return self.roles is None or user.is_superuser or bool(self.roles & user.roles)


NAV_ITEMS = [
    NavItem(_("Home"), "dashboards:home"),
    NavItem(_("My work"), "work:home", frozenset({Role.CADRE})),
    NavItem(_("Log a visit"), "work:visit-new", frozenset({Role.CADRE})),
    NavItem(_("Households"), "work:households", frozenset({Role.CADRE})),
    NavItem(_("Diary"), "work:diary", frozenset({Role.CADRE})),
    NavItem(_("Cases"), "grievances:list", frozenset({Role.HANDLER, Role.LEADER, Role.SUPERVISOR})),
    NavItem(_("Campaign dashboard"), "dashboards:campaigns", frozenset({Role.SUPERVISOR, Role.CAMPAIGN_ADMIN})),
    NavItem(_("Case dashboard"), "dashboards:cases", frozenset({Role.SUPERVISOR})),
    NavItem(_("Rankings"), "dashboards:rankings", frozenset({Role.SUPERVISOR, Role.CAMPAIGN_ADMIN})),
    NavItem(_("Not checked in"), "work:absent", frozenset({Role.SUPERVISOR})),
    NavItem(_("Flags to check"), "flags:list", frozenset({Role.SUPERVISOR, Role.CAMPAIGN_ADMIN})),
    NavItem(_("Campaigns"), "campaigns:list", frozenset({Role.CAMPAIGN_ADMIN, Role.SUPERVISOR})),
    NavItem(_("Roster import"), "campaigns:imports", frozenset({Role.CAMPAIGN_ADMIN})),
    NavItem(_("Administration"), "admin:index", staff_only=True),
]


def nav_for(user, current_path: str) -> list[dict]:
    items = [{"label": item.label, "url": reverse(item.url_name)} for item in NAV_ITEMS if item.shown_to(user)]
    # The entry whose address is the longest prefix of the current page is the active one.
    matches = [i for i in items if current_path == i["url"] or (i["url"] != "/" and current_path.startswith(i["url"]))]
    active = max(matches, key=lambda i: len(i["url"]), default=None)
    for item in items:
        item["active"] = item is active
    return items
