from django.contrib import admin

from .models import RankingWeight


@admin.register(RankingWeight)
class RankingWeightAdmin(admin.ModelAdmin):
    """The indicators are fixed; admins only change how much each counts."""

    list_display = ["indicator", "weight"]
    list_editable = ["weight"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
