import pytest
from django.core.exceptions import ValidationError

from accounts.models import Region
from accounts.regions import ancestor_codes, is_valid_code, level_of, prefix_of


@pytest.mark.parametrize(
    ("code", "level", "prefix"),
    [
        ("430000000000", 1, "43"),
        ("431200000000", 2, "4312"),
        ("431299000000", 3, "431299"),
        ("431299100000", 4, "431299100"),
        ("431299100201", 5, "431299100201"),
    ],
)
def test_a_code_tells_its_level_and_subtree_prefix(code, level, prefix):
    assert level_of(code) == level
    assert prefix_of(code) == prefix


def test_ancestors_are_the_zero_padded_prefixes():
    assert ancestor_codes("431299100201") == ["430000000000", "431200000000", "431299000000", "431299100000"]
    assert ancestor_codes("430000000000") == []


@pytest.mark.parametrize("code", ["43129910020", "4312991002011", "43129910020x", "000000000000", ""])
def test_malformed_codes_are_invalid(code):
    assert not is_valid_code(code)


def test_a_region_whose_level_or_parent_contradicts_its_code_is_refused(regions):
    wrong_level = Region(code="431299100202", name="错级村", level=Region.Level.TOWNSHIP, parent=regions["township_a"])
    with pytest.raises(ValidationError) as excinfo:
        wrong_level.full_clean()
    assert "level" in excinfo.value.message_dict

    wrong_parent = Region(code="431299100202", name="错父村", level=Region.Level.VILLAGE, parent=regions["township_b"])
    with pytest.raises(ValidationError) as excinfo:
        wrong_parent.full_clean()
    assert "parent" in excinfo.value.message_dict

    right = Region(code="431299100202", name="新村", level=Region.Level.VILLAGE, parent=regions["township_a"])
    right.full_clean()
