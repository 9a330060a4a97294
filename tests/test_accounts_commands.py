"""`planwatch create_user` and `planwatch demo_user`: accounts set up from the command line."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from planwatch.accounts.management.commands.demo_user import demo_login_stems
from planwatch.plans.models import Locality


def test_create_user_by_locality_name(plan):
    call_command(
        "create_user", username="zhao", password="pw-123456789", role="locality_reporter", locality="珠海"
    )
    zhao = get_user_model().objects.get(username="zhao")
    assert (zhao.profile.role, zhao.profile.locality.code) == ("locality_reporter", "ZH")
    assert zhao.check_password("pw-123456789")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"role": "locality_reporter"}, "needs their locality"),
        ({"role": "lead_unit"}, "needs their unit"),
        ({"role": "locality_reporter", "locality": "广州"}, "no locality"),
        ({"role": "locality_reporter", "locality": "广东"}, "not a pilot unit"),
        ({"role": "lead_unit", "unit": "XYZ"}, "no unit"),
    ],
)
def test_create_user_refuses_a_role_without_its_scope(plan, options, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_user", username="x", password="pw-123456789", **options)
    assert not get_user_model().objects.filter(username="x").exists()


def test_demo_user_with_roles(plan, capsys):
    call_command("demo_user", "--with-roles")
    users = get_user_model().objects
    assert users.get(username="admin").profile.role == "province_admin"
    assert users.get(username="zhuhai_reporter").profile.locality.code == "ZH"
    assert users.get(username="lead_dst").profile.unit.code == "DST"
    assert users.get(username="leader").profile.role == "viewer"
    assert "created zhuhai_approver" in capsys.readouterr().out


def test_demo_user_gives_every_pilot_unit_an_approver(plan, capsys):
    call_command("demo_user", "--with-roles")
    approvers = {
        user.username: user.profile.locality.code
        for user in get_user_model().objects.filter(profile__role="locality_approver")
    }
    assert approvers == {
        "zhuhai_approver": "ZH",
        "foshan_approver": "FS",
        "zhongshan_approver": "ZS",
        "jiangmen_approver": "JM",
        "yangjiang_approver": "YJ",
        "zhaoqing_approver": "ZQ",
        "shunde_approver": "SD",
    }
    assert set(approvers.values()) == set(plan.pilot_units().values_list("code", flat=True))
    # The logins of before stay as they were.
    usernames = set(get_user_model().objects.values_list("username", flat=True))
    assert {"admin", "province", "lead_dst", "zhuhai_reporter", "foshan_reporter", "leader"} <= usernames
    out = capsys.readouterr().out
    assert "created foshan_approver" in out and "created shunde_approver" in out
    # Run again (as `make demo` does on every start): the same users, reset, none added.
    call_command("demo_user", "--with-roles")
    assert get_user_model().objects.filter(profile__role="locality_approver").count() == 7


def test_two_places_of_one_english_name_get_a_demo_login_each():
    """宿州 and 苏州 are both Suzhou: each approver login names its code, and 珠海 stays zhuhai."""
    places = [
        Locality(pk=1, code="AH1302", name_en="Suzhou"),
        Locality(pk=2, code="JS0505", name_en="Suzhou City"),
        Locality(pk=3, code="ZH", name_en="Zhuhai"),
    ]
    assert demo_login_stems(places) == {1: "suzhou_ah1302", 2: "suzhou_js0505", 3: "zhuhai"}
