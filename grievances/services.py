"""Writes to cases. Numbers come from a locked per-year counter: unique, never reused, safe in parallel."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Case, CaseNumberCounter


def next_case_number(year: int) -> str:
    """XF-<year>-<6 digits>. Must run inside the transaction that saves the case."""
    try:
        with transaction.atomic():
            CaseNumberCounter.objects.get_or_create(year=year)
    except IntegrityError:
        pass  # another transaction created the year's counter first
    counter = CaseNumberCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"XF-{year}-{counter.last:06d}"


@transaction.atomic
def case_register(*, actor, type: str, source: str, summary: str, petitioner_name: str, village_id: str,
                  petitioner_phone: str = "", head_count: int = 1, household=None, visit=None) -> Case:
    """Register a case in its first state (登记)."""
    now = timezone.now()
    return Case.objects.create(
        number=next_case_number(timezone.localtime(now).year), type=type, source=source, summary=summary,
        petitioner_name=petitioner_name, petitioner_phone=petitioner_phone, head_count=head_count,
        village_id=village_id, household=household, visit=visit, registered_by=actor, registered_at=now,
    )
