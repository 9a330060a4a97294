"""User management in the web UI: only the province administrator, with role and scope checked."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from planwatch.accounts.models import Profile


def url(plan, name, *args):
    return reverse(f"accounts:{name}", args=[plan.code, *args])


@pytest.mark.parametrize("who", ["pat", "lena", "zoe", "zack", "vic"])
def test_only_the_administrator_manages_users(client, plan, cast, who):
    client.force_login(getattr(cast, who))
    assert client.get(url(plan, "users")).status_code == 403
    response = client.post(
        url(plan, "user_new"), {"username": "mallory", "role": "province_admin", "password": "x"}
    )
    assert response.status_code == 403
    assert not get_user_model().objects.filter(username="mallory").exists()


def test_admin_lists_users_with_role_and_scope(client, plan, cast):
    client.force_login(cast.alice)
    html = client.get(url(plan, "users")).content.decode()
    assert "zoe" in html and "珠海市" in html and "省科技厅" in html


def test_admin_adds_a_locality_reporter(client, plan, cast):
    client.force_login(cast.alice)
    zhongshan = plan.localities.get(code="ZS")
    response = client.post(
        url(plan, "user_new"),
        {
            "username": "zhao",
            "full_name": "赵 敏",
            "role": "locality_reporter",
            "locality": zhongshan.pk,
            "is_active": "on",
            "password": "a-long-enough-password-2018",
        },
    )
    assert response.status_code == 302
    zhao = get_user_model().objects.get(username="zhao")
    assert zhao.check_password("a-long-enough-password-2018")
    assert (zhao.profile.role, zhao.profile.locality) == (Profile.Role.LOCALITY_REPORTER, zhongshan)


def test_a_reporter_needs_a_locality_and_a_lead_unit_a_unit(client, plan, cast):
    client.force_login(cast.alice)
    for role, field in [
        ("locality_reporter", "locality"),
        ("locality_approver", "locality"),
        ("lead_unit", "unit"),
    ]:
        response = client.post(
            url(plan, "user_new"),
            {"username": "x" + role, "role": role, "password": "a-long-enough-password-2018"},
        )
        assert response.status_code == 200
        assert response.context["form"].errors[field]
    assert not get_user_model().objects.filter(username__startswith="x").exists()


def test_admin_moves_a_user_and_deactivates_them(client, plan, cast):
    client.force_login(cast.alice)
    foshan = plan.localities.get(code="FS")
    response = client.post(
        url(plan, "user_edit", cast.zoe.pk),
        {"username": "zoe", "role": "locality_approver", "locality": foshan.pk, "password": ""},
    )
    assert response.status_code == 302
    cast.zoe.refresh_from_db()
    assert (cast.zoe.profile.role, cast.zoe.profile.locality, cast.zoe.is_active) == (
        "locality_approver",
        foshan,
        False,
    )
    assert cast.zoe.check_password("zoe-password")  # an empty password field keeps the password


def test_duplicate_user_name_refused(client, plan, cast):
    client.force_login(cast.alice)
    response = client.post(
        url(plan, "user_new"),
        {"username": "zoe", "role": "viewer", "password": "a-long-enough-password-2018"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["username"]
