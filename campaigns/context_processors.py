import json

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.roles import Role

# The cadre pages the phone keeps as soon as 我的工作 is opened with signal (others are kept as they are opened).
# The village bundle and the two pages that show a household page not kept (views.app) come with them.
KEPT_PAGES = ["work:home", "work:households", "work:visit-new", "work:diary", "work:outbox",
              "work:village-bundle", "work:household-offline", "work:household-new"]


def offline_app(request):
    """`offline_app` on a cadre's /work/ pages: the service worker to register, its scope and the pages to keep."""
    user = getattr(request, "user", None)
    match = getattr(request, "resolver_match", None)
    if not (match and match.namespace == "work" and user and user.is_authenticated and user.has_role(Role.CADRE)):
        return {}
    return {"offline_app": {
        "worker": reverse("work:service-worker"), "scope": reverse("work:home"), "manifest": reverse("work:manifest"),
        "pages": json.dumps([reverse(name) for name in KEPT_PAGES]), "village": reverse("work:village-bundle"),
        # static/js/outbox.js: whose entries these are, where it asks who is signed in, and what it says.
        "user": user.pk, "session": reverse("work:outbox-session"), "outbox": reverse("work:outbox"),
        "text": json.dumps({
            "kept": _("Saved on the phone; it uploads by itself once there is signal."),
            "waiting": _("Waiting for signal to upload"), "refused": _("Not accepted: "),
            "discard": _("Discard"), "confirmDiscard": _("Discard this entry? It cannot be brought back."),
            "correct": _("Correct and save again"), "correcting": _("Correcting an entry that was not accepted: "),
            "gone": _("It is no longer on the server (deleted, or no longer yours to see)."),
            "forbidden": _("Your account may not save this."),
            "notKept": _("The ID number and phone are not kept on the phone: enter them again once there is signal."),
            "logout": _("%(count)s entries on this phone are not uploaded yet, and logging out deletes them. "
                        "Log out anyway? (Wait for signal to upload them first.)"),
        }, ensure_ascii=False),
    }}
