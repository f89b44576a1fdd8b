"""Registers the `slow` marker (long tests: servers, browser, concurrency)."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: a long test (servers, browser, concurrency)")
