"""Shared test configuration: markers that skip with a clear reason when a real service is absent."""

from __future__ import annotations

import os
import shutil

import pytest

POSTGRES_URL = os.environ.get("UJIAN_TEST_POSTGRES_URL")
REDIS_URL = os.environ.get("UJIAN_TEST_REDIS_URL")
CHROMIUM = os.environ.get("UJIAN_TEST_CHROMIUM", "/usr/bin/chromium")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip_pg = pytest.mark.skip(
        reason="PostgreSQL test: set UJIAN_TEST_POSTGRES_URL (e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test)"
    )
    skip_redis = pytest.mark.skip(reason="Redis test: set UJIAN_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/0)")
    skip_browser = pytest.mark.skip(
        reason=f"browser test: Debian chromium not found at {CHROMIUM} (apt-get install chromium)"
    )
    has_browser = os.path.exists(CHROMIUM) or shutil.which(CHROMIUM) is not None
    for item in items:
        if "postgres" in item.keywords and not POSTGRES_URL:
            item.add_marker(skip_pg)
        if "redis" in item.keywords and not REDIS_URL:
            item.add_marker(skip_redis)
        if "browser" in item.keywords and not has_browser:
            item.add_marker(skip_browser)
