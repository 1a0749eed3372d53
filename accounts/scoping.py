"""Jurisdiction scoping: the one way a user's lists and details are narrowed.

Every model a user can see gets a queryset deriving from `ScopedQuerySet` and
is read through `Model.objects.visible_to(user)`. Views fetch single objects
through it too, so an outsider gets 404 and never learns the object exists.
"""

from functools import reduce
from operator import or_

from django.db import models
from django.db.models import Q

from .regions import prefix_of


def jurisdiction_prefix(user) -> str | None:
    """The division-code prefix of the user's jurisdiction, or None if they have none."""
    return prefix_of(user.jurisdiction_id) if user.jurisdiction_id else None


def within_jurisdiction(user, code: str) -> bool:
    """Whether the region with this code lies in the user's jurisdiction (superusers: everywhere)."""
    if user.is_superuser:
        return True
    prefix = jurisdiction_prefix(user)
    return bool(prefix) and code.startswith(prefix)


class ScopedQuerySet(models.QuerySet):
    """A queryset that knows where its rows sit in the region tree.

    `region_field` is the lookup path to a Region code, e.g. "village__code".
    Region's primary key is its code, so Django reads it straight from the
    foreign key column without a join. Subclasses add the
    rows a user owns without a jurisdiction by extending `visibility_conditions`.
    """

    region_field: str = ""

    def visible_to(self, user):
        """Rows `user` may see: all for superusers, else the union of their conditions."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.is_superuser:
            return self
        conditions = self.visibility_conditions(user)
        if not conditions:
            return self.none()
        return self.filter(reduce(or_, conditions))

    def in_jurisdiction_of(self, user):
        """Rows under the user's jurisdiction only, leaving out rows they see merely as owner or handler:
        what a dashboard counts for the region they answer for."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.is_superuser:
            return self
        conditions = ScopedQuerySet.visibility_conditions(self, user)
        return self.filter(*conditions) if conditions else self.none()

    def visibility_conditions(self, user) -> list[Q]:
        prefix = jurisdiction_prefix(user)
        if prefix and self.region_field:
            return [Q(**{f"{self.region_field}__startswith": prefix})]
        return []

    def in_region(self, code: str):
        """Rows inside the region with this code (any level)."""
        return self.filter(**{f"{self.region_field}__startswith": prefix_of(code)})


class ChildScopedQuerySet(models.QuerySet):
    """Rows that belong to a parent a user sees or not — a case's events, a visit's photos: visible exactly
    when their parent is, by the parent's own `visible_to`. `parent_field` names the foreign key."""

    parent_field: str = ""

    def visible_to(self, user):
        parent = self.model._meta.get_field(self.parent_field).related_model
        return self.filter(**{f"{self.parent_field}__in": parent.objects.visible_to(user).values("pk")})
