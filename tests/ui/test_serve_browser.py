"""U1, U2, Q6 in a real headless Chromium (Debian's, driven by Playwright) against a real
`itsmctl serve`: a reporter submits the form and follows the ticket's link, a desk
engineer signs in, filters the queue and clicks a report figure through to its tickets.
Screenshots of each step are written under the test's tmp dir (shots/)."""

from __future__ import annotations

import re

import pytest

from tests.helpers import BILLING, itsm, ok, open_ticket, show
from tests.servers import chromium_page
from tests.ui.webserve import PASSWORD, passwords, serving

pytestmark = pytest.mark.slow


def test_U1_U2_Q6_reporter_and_desk_in_a_real_browser(desk, tmp_path):
    shots = tmp_path / "shots"
    shots.mkdir()
    urgent = open_ticket(desk, *BILLING, "--impact", "1", title="全网计费中断 billing down")
    usual = open_ticket(desk, *BILLING, title="发票金额不对 invoice wrong")
    env = {"ITSMCTL_WEB_SECRET": "s" * 40, "ITSMCTL_WEB_PASSWORDS": passwords("alice")}
    with serving(desk, env=env) as server, chromium_page(shots) as page:
        browser = page.context.browser
        assert browser is not None

        # U1: the reporter's form, answered with the id and the link
        page.goto(f"{server.url}/")
        page.screenshot(path=str(shots / "1-form.png"), full_page=True)
        page.check("input[name=type][value=service_request]")
        page.fill("input[name=title]", "需要开通VPN need VPN access")
        page.fill("textarea[name=description]", "出差需要 for a business trip")
        page.select_option("select[name=area]", "office/network")
        page.fill("input[name=name]", "王五")
        page.fill("input[name=email]", "wangwu@example.com")
        page.click("button[type=submit]")
        page.wait_for_selector("#ticket-id")
        tid = page.inner_text("#ticket-id")
        link = page.get_attribute("#ticket-link", "href")
        assert link and re.match(rf"^/t/{tid}\?k=[A-Za-z0-9_-]{{32}}$", link)
        page.screenshot(path=str(shots / "2-answer.png"), full_page=True)

        # the link, as the reporter opens it later, and a note
        page.goto(f"{server.url}{link}")
        assert page.inner_text("#status") == "new"
        page.fill("textarea[name=text]", "明天出发 leaving tomorrow")
        page.click("#add-note")
        page.wait_for_selector("text=Your note was added.")
        assert "leaving tomorrow" in page.inner_text("ol.events")
        page.screenshot(path=str(shots / "3-status.png"), full_page=True)

        # in Chinese for a Chinese browser
        zh = browser.new_context(locale="zh-CN")
        try:
            zh_page = zh.new_page()
            zh_page.goto(f"{server.url}{link}")
            assert zh_page.inner_text("#status") == "新建" and "处理经过" in zh_page.content()
            zh_page.screenshot(path=str(shots / "4-status-zh.png"), full_page=True)
        finally:
            zh.close()

        # U2: sign in, filter the queue
        staff = browser.new_context(http_credentials={"username": "alice",
                                                      "password": PASSWORD})
        try:
            desk_page = staff.new_page()
            desk_page.set_default_timeout(10_000)
            desk_page.goto(f"{server.url}/desk")
            rows = desk_page.inner_text("#queue")
            assert tid in rows and urgent in rows and usual in rows
            desk_page.screenshot(path=str(shots / "5-queue.png"), full_page=True)
            desk_page.check("input[name=priority][value=P1]")
            desk_page.click("#apply")
            desk_page.wait_for_url(re.compile(r".*priority=P1.*"))
            rows = desk_page.inner_text("#queue")
            assert urgent in rows and usual not in rows and tid not in rows
            desk_page.screenshot(path=str(shots / "6-queue-p1.png"), full_page=True)

            # the ticket, dispatched from its page
            desk_page.goto(f"{server.url}/desk/t/{usual}")
            desk_page.select_option("form[action$='/assign'] select[name=group]", "billing-app")
            desk_page.click("form[action$='/assign'] button")
            desk_page.wait_for_selector("text=Done")
            assert desk_page.inner_text("#status") == "assigned"
            desk_page.screenshot(path=str(shots / "7-ticket.png"), full_page=True)

            # Q6: a report figure through to its tickets
            desk_page.goto(f"{server.url}/desk/report?month=2026-11")
            desk_page.screenshot(path=str(shots / "8-report.png"), full_page=True)
            desk_page.click("a[data-figure='by_priority.P1']")
            desk_page.wait_for_url(re.compile(r".*/desk/report/tickets\?.*"))
            rows = desk_page.inner_text("#queue")
            assert urgent in rows and usual not in rows
            desk_page.screenshot(path=str(shots / "9-figure-tickets.png"), full_page=True)

            desk_page.goto(f"{server.url}/desk/wallboard")
            assert desk_page.inner_text("#open-total") == "3"
            desk_page.screenshot(path=str(shots / "10-wallboard.png"), full_page=True)
        finally:
            staff.close()
    assert show(desk, usual)["group"] == "billing-app"
    assert show(desk, tid)["source"] == "web"
    assert ok(itsm(desk, "audit")).code == 0
    taken = sorted(p.name for p in shots.glob("*.png"))
    assert len(taken) == 10 and all((shots / n).stat().st_size > 5000 for n in taken)
    print(f"screenshots in {shots}")


def test_U2_the_pages_fit_a_phone(desk, tmp_path):
    shots = tmp_path / "shots"
    shots.mkdir()
    open_ticket(desk, *BILLING, title="计费出错 " + "很长的标题 " * 12)
    env = {"ITSMCTL_WEB_SECRET": "s" * 40, "ITSMCTL_WEB_PASSWORDS": passwords("alice")}
    with serving(desk, env=env) as server, chromium_page(shots) as page:
        browser = page.context.browser
        assert browser is not None
        phone = browser.new_context(viewport={"width": 360, "height": 740},
                                    http_credentials={"username": "alice",
                                                      "password": PASSWORD})
        try:
            small = phone.new_page()
            for name, path in (("form", "/"), ("queue", "/desk")):
                small.goto(f"{server.url}{path}")
                width = small.evaluate("document.documentElement.scrollWidth")
                assert width <= 360, (path, width)
                small.screenshot(path=str(shots / f"phone-{name}.png"), full_page=True)
        finally:
            phone.close()
