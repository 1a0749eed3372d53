from django.contrib.auth.models import Group, Permission

from accounts.roles import ROLE_PERMISSIONS, Role


def test_every_role_is_a_group_with_exactly_its_permissions(db):
    for role in Role:
        group = Group.objects.get(name=role.value)
        granted = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}
        assert granted == set(ROLE_PERMISSIONS[role]), role


def test_every_permission_a_role_names_exists(db):
    # Catches a role granted a permission whose model was added without re-running the sync migration.
    existing = {f"{p.content_type.app_label}.{p.codename}" for p in Permission.objects.select_related("content_type")}
    for role, names in ROLE_PERMISSIONS.items():
        assert set(names) <= existing, role


def test_a_user_knows_their_roles(cadre, supervisor):
    assert cadre.roles == {Role.CADRE}
    assert supervisor.has_role(Role.SUPERVISOR)
    assert not supervisor.has_role(Role.CADRE)
