"""The default case categories of PRODUCT.md; admins edit them and their time limits afterwards."""

DEFAULT_CATEGORIES = ["农村土地征用", "城市拆迁", "环境污染", "安全事故", "权属纠纷", "山林土地流转", "低保分配", "村务财务", "劳资", "其他"]


def ensure_default_categories(category_model) -> None:
    """Create the missing defaults; safe to run any number of times (a migration and tests use it)."""
    for name in DEFAULT_CATEGORIES:
        category_model.objects.get_or_create(name=name)
