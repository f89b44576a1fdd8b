"""The goal of issue 16 held by a test: a page of a 10,000-ticket open queue within 50 ms
of server time (the service's own Server-Timing), median of 20 after a warm-up; the desk
is made by bench/generate.py (bench/serve.py measures more pages and writes SERVE.md)."""

from __future__ import annotations

import re
import statistics

import pytest

from tests.ui.webserve import PASSWORD, Client, Reply, passwords, serving

pytestmark = pytest.mark.slow
RUNS = 20
GOAL_MS = 50.0


def server_ms(reply: Reply) -> float:
    m = re.search(r"app;dur=([0-9.]+)", reply.headers.get("server-timing", ""))
    assert m, reply.headers
    return float(m.group(1))


def test_U2_a_page_of_a_10000_ticket_open_queue_within_50_ms(tmp_path):
    from bench.generate import DAY, generate

    desk = tmp_path / "desk"
    generate(desk, 10_000, uniform=True, open_share=1.0)
    env = {"ITSMCTL_WEB_SECRET": "b" * 40, "ITSMCTL_WEB_PASSWORDS": passwords("alice")}
    with serving(desk, env=env, now=f"{DAY}T12:00:00+08:00") as server:
        alice = Client(server.url, auth=("alice", PASSWORD))
        first = alice.get("/desk", timeout=300)                # builds the index and briefs
        count = re.search(r'id="count">(\d+) ', first.text)
        assert first.status == 200 and count and int(count.group(1)) >= 10_000
        figures = {}
        for path in ("/desk", "/desk?page=150", "/desk?group=billing-app&priority=P4"):
            for _ in range(3):
                alice.get(path)
            times = []
            for _ in range(RUNS):
                reply = alice.get(path)
                assert reply.status == 200, (path, reply.status)
                times.append(server_ms(reply))
            figures[path] = round(statistics.median(times), 1)
        print("queue pages, server median ms:", figures)
    assert all(ms <= GOAL_MS for ms in figures.values()), figures
