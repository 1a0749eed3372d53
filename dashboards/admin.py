from django.contrib import admin

from .models import RankingDeduction, RankingWeight


@admin.register(RankingWeight)
class RankingWeightAdmin(admin.ModelAdmin):
    """The indicators are fixed; admins only change how much each counts and from how many records."""

    list_display = ["indicator", "weight", "minimum"]
    list_editable = ["weight", "minimum"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RankingDeduction)
class RankingDeductionAdmin(admin.ModelAdmin):
    """One row, part of the same scoring as the weights: whoever may see and set the weights (campaign
    admins, accounts.roles) sees and sets it, with their permissions."""

    list_display = ["__str__", "points_per_flag"]
    list_editable = ["points_per_flag"]

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("dashboards.view_rankingweight") or self.has_change_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("dashboards.change_rankingweight")

    def has_add_permission(self, request):
        return self.has_change_permission(request) and not RankingDeduction.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
