"""The plan browser, page by page, as a signed-in official sees it."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from planwatch.demo.sample import load_sample

PAGES = ["plan", "key_fields", "tasks", "indicators", "localities", "units", "source"]


@pytest.fixture
def browser(client, bob):
    client.force_login(bob)
    return client


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.mark.parametrize("page", PAGES)
def test_pages_need_a_login(client, plan, page):
    response = client.get(reverse(f"web:{page}", args=[plan.code]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("web:login"))


def test_home_goes_to_the_only_plan(browser, plan):
    """… to its inbox (待办): every role lands on what waits on it (docs/notifications.md)."""
    response = browser.get("/")
    assert response.status_code == 302
    assert response.url == reverse("inbox:home", args=[plan.code])


def test_plan_page_is_chinese_even_for_an_english_browser(browser, plan):
    response = browser.get(reverse("web:plan", args=[plan.code]), HTTP_ACCEPT_LANGUAGE="en-US,en")
    html = response.content.decode()
    assert 'lang="zh-Hans"' in html
    assert "珠江西岸六市一区创建“中国制造2025”试点示范城市群实施方案" in html
    assert "广东省人民政府办公厅" in html
    assert "2017-04-21" in html
    assert "发展目标" in html and "到2025年" in html
    # the four notes under the target table, as rules
    assert "不设区域整体目标" in html and "2018和2019年目标将根据2017年实际完成情况适当调整" in html


def test_english_switch(browser, plan):
    response = browser.post(
        reverse("set_language"), {"language": "en", "next": reverse("web:plan", args=[plan.code])}
    )
    assert response.status_code == 302
    html = browser.get(response.url).content.decode()
    assert 'lang="en"' in html
    assert "Made in China 2025" in html and "Goals" in html
    assert "中文" in html  # the way back


def test_key_fields_lists_all_fifteen_with_sources(browser, plan):
    html = browser.get(reverse("web:key_fields", args=[plan.code])).content.decode()
    for name in [
        "智能制造装备",
        "通用航空装备",
        "新一代信息技术",
        "新材料产业",
        "家电及家具制造",
        "陶瓷及造纸",
    ]:
        assert name in html
    assert html.count('class="card"') == 15
    assert "二（一）1" in html
    assert "重点发展高档数控机床" in html  # the verbatim sentence


def test_tasks_show_units_indicators_and_targets(browser, plan):
    html = browser.get(reverse("web:tasks", args=[plan.code])).content.decode()
    assert html.count('class="card task"') == 18
    assert "加大招商引资力度" in html and "三（一）1" in html
    assert "省经济和信息化委" in html and "省发展改革委" in html
    assert "新引进投资超1亿元装备制造业项目数" in html
    assert ">800<" in html and ">1,200<" in html


def test_task_page(browser, plan):
    html = browser.get(reverse("web:task", args=[plan.code, "T2.1"])).content.decode()
    assert "打造产业发展创新载体和公共服务平台" in html
    assert '<span class="unit lead">省发展改革委</span>' in html
    assert "省质监局" in html


def test_indicator_page_shows_metadata_source_and_targets(browser, plan):
    html = browser.get(reverse("web:indicator", args=[plan.code, "I22"])).content.decode()
    assert "制造业技能人才数" in html
    assert "万人" in html and "108" in html
    assert "90" in html and "由原文推算" in html  # the implied 2016 base
    assert "支持培育制造业技能人才108万人" in html


def test_energy_indicator_has_no_region_target(browser, plan):
    html = browser.get(reverse("web:indicator", args=[plan.code, "I29"])).content.decode()
    assert "约束性" in html
    assert "本指标不设珠江西岸地区整体目标值" in html


def test_sample_data_is_labelled(browser, plan):
    page = reverse("web:indicator", args=[plan.code, "I01"])
    assert "示例数据" not in browser.get(page).content.decode()
    load_sample(plan)
    html = browser.get(page).content.decode()
    assert "示例数据" in html
    assert html.count('class="sample-tag"') > 20


def test_localities_say_shunde_is_counted_within_foshan(browser, plan):
    html = browser.get(reverse("web:localities", args=[plan.code])).content.decode()
    assert "顺德区" in html and "否——已含在佛山市内" in html


def test_unknown_codes_are_404(browser, plan):
    assert browser.get(reverse("web:plan", args=["no-such-plan"])).status_code == 404
    assert browser.get(reverse("web:indicator", args=[plan.code, "X99"])).status_code == 404
    assert browser.get(reverse("web:task", args=[plan.code, "T9.9"])).status_code == 404


@pytest.mark.usefixtures("sampled")
@pytest.mark.parametrize("page", PAGES)
def test_queries_do_not_grow_with_the_data(browser, plan, page, django_assert_max_num_queries):
    with django_assert_max_num_queries(20):
        assert browser.get(reverse(f"web:{page}", args=[plan.code])).status_code == 200


@pytest.mark.usefixtures("sampled")
def test_indicator_page_queries_do_not_grow(browser, plan, django_assert_max_num_queries):
    with django_assert_max_num_queries(20):
        assert browser.get(reverse("web:indicator", args=[plan.code, "I01"])).status_code == 200
