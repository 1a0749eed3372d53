"""重复件: whether a matter being registered was brought before, by any door (staff, a visit's demand, online).

Four keys: the same petitioner by phone or by ID number (its keyed hash), the same household, or a summary like
that of an open or recent case of the same village (pg_trgm's similarity, through its index: migration 0019;
the zero-setup SQLite has no pg_trgm and compares by the first three keys only). The registrar sees the
matches before saving and links the new case to one as its repeat (services.case_link_repeat: counted once),
or registers it as new. The same petitioner's matter that a 复核 already concluded is not registered again
(《信访工作条例》第35条): `concluded` finds it.
"""

import datetime
from dataclasses import dataclass

from django.contrib.postgres.search import TrigramSimilarity
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from .models import Case

SIMILAR = 0.35  # pg_trgm similarity at which two summaries of a village are taken for the same matter (a retelling scores about 0.4, an unrelated one 0)
RECENT_DAYS = 365  # a closed case counts as recent for a year after its registration
SHOWN = 8

REASONS = {"phone": "same_phone", "id": "same_id", "household": "same_household", "summary": "similar_summary"}


@dataclass(frozen=True)
class Match:
    case: Case
    reasons: tuple[str, ...]  # of "phone", "id", "household", "summary"
    similarity: float | None  # of the summaries (None on SQLite)

    @property
    def same_person(self) -> bool:
        return bool({"phone", "id", "household"} & set(self.reasons))

    @property
    def concluded(self) -> bool:
        """The same petitioner's same matter, answered after its 复核: not to be registered again."""
        return (self.same_person and "summary" in self.reasons and self.case.stage == Case.Stage.RE_REVIEW
                and self.case.status in Case.RESOLVED_STATUSES)


def _similarity_available() -> bool:
    return connection.vendor == "postgresql"


def find(cases, *, village_id: str, summary: str, phone: str = "", id_hash: str = "", household_id: int | None = None,
         exclude: int | None = None, now=None) -> list[Match]:
    """The matches among `cases` (already scoped to whoever will see them), the closest first: the concluded
    after 复核, then the same petitioner's, then those matching on more keys, then by similarity. Repeats are left
    out: their original is what a new case links to. Two queries at most."""
    now = now or timezone.now()
    candidates = cases.filter(duplicate_of=None).filter(
        Q(status__in=Case.OPEN_STATUSES) | Q(registered_at__gte=now - datetime.timedelta(days=RECENT_DAYS))
        | Q(stage=Case.Stage.RE_REVIEW, status__in=Case.RESOLVED_STATUSES)
    )
    if exclude:
        candidates = candidates.exclude(pk=exclude)
    person = Q(pk__in=[])
    if phone:
        person |= Q(petitioner_phone=phone)
    if id_hash:
        person |= Q(petitioner_id_hash=id_hash)
    if household_id:
        person |= Q(household_id=household_id)
    found: dict[int, tuple[Case, float | None]] = {}
    summary = summary.strip()
    similar = _similarity_available() and len(summary) >= 3
    if similar:
        # The `%` operator (trigram_similar) is what the GIN index answers; the exact similarity then filters.
        rows = (candidates.filter(village_id=village_id, summary__trigram_similar=summary)
                .annotate(similarity=TrigramSimilarity("summary", summary)).filter(similarity__gte=SIMILAR)
                .select_related("village").order_by("-similarity", "-registered_at")[:SHOWN * 2])
        found.update({case.pk: (case, case.similarity) for case in rows})
    if phone or id_hash or household_id:
        rows = candidates.filter(person).exclude(pk__in=list(found)).select_related("village")
        if similar:
            rows = rows.annotate(similarity=TrigramSimilarity("summary", summary))
        for case in rows.order_by("-registered_at")[:SHOWN * 2]:
            found[case.pk] = (case, getattr(case, "similarity", None))
    matches = []
    for case, similarity in found.values():
        reasons = tuple(key for key, hit in (
            ("phone", phone and case.petitioner_phone == phone), ("id", id_hash and case.petitioner_id_hash == id_hash),
            ("household", household_id and case.household_id == household_id),
            ("summary", similarity is not None and similarity >= SIMILAR and case.village_id == village_id),
        ) if hit)
        if reasons:
            matches.append(Match(case, reasons, similarity))
    matches.sort(key=lambda m: (not m.concluded, not m.same_person, -len(m.reasons), -(m.similarity or 0), -m.case.registered_at.timestamp()))
    return matches[:SHOWN]


def concluded(matches: list[Match]) -> Match | None:
    """The match that a 复核 concluded, if any: the registration is refused, or linked to it as a repeat."""
    return next((m for m in matches if m.concluded), None)
