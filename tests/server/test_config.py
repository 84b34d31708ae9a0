"""Configuration: env and TOML, typed, and no default secrets outside demo."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.problems import ProblemsError
from server.config import DEMO_SECRET, load_config

GOOD_SECRET = "x" * 40


def test_demo_runs_without_a_secret_and_production_refuses() -> None:
    assert load_config(env={"UJIAN_DEMO": "1"}).demo is True
    with pytest.raises(ProblemsError) as err:
        load_config(env={})
    problem = err.value.problems[0]
    assert problem.field == "secret_key" and "UJIAN_SECRET_KEY" in problem.id and "UJIAN_SECRET_KEY" in problem.en


def test_the_demo_secret_and_short_secrets_are_refused_outside_demo() -> None:
    for secret in (DEMO_SECRET, "short"):
        with pytest.raises(ProblemsError):
            load_config(env={"UJIAN_SECRET_KEY": secret})


def test_env_values_are_typed_and_bad_ones_are_named() -> None:
    config = load_config(env={"UJIAN_SECRET_KEY": GOOD_SECRET, "UJIAN_PORT": "9090", "UJIAN_TRUST_PROXY": "ya"})
    assert config.port == 9090 and config.trust_proxy is True
    with pytest.raises(ProblemsError) as err:
        load_config(env={"UJIAN_SECRET_KEY": GOOD_SECRET, "UJIAN_PORT": "delapan", "UJIAN_DEMO": "maybe"})
    assert {p.field for p in err.value.problems} == {"port", "demo"}


def test_toml_file_then_env_override(tmp_path: Path) -> None:
    path = tmp_path / "ujian.toml"
    path.write_text(f'secret_key = "{GOOD_SECRET}"\nport = 8000\nhost = "0.0.0.0"\n', encoding="utf-8")
    config = load_config(toml_path=path, env={"UJIAN_PORT": "8001"})
    assert (config.host, config.port, config.secret_key) == ("0.0.0.0", 8001, GOOD_SECRET)


def test_unknown_toml_keys_and_bad_urls_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "ujian.toml"
    path.write_text(f'secret_key = "{GOOD_SECRET}"\nprot = 8000\n', encoding="utf-8")
    with pytest.raises(ProblemsError) as err:
        load_config(toml_path=path, env={})
    assert err.value.problems[0].field == "prot"
    with pytest.raises(ProblemsError) as err:
        load_config(env={"UJIAN_SECRET_KEY": GOOD_SECRET, "UJIAN_DATABASE_URL": "mysql://x"})
    assert err.value.problems[0].field == "database_url"
    path.write_text("not = [toml", encoding="utf-8")
    with pytest.raises(ProblemsError):
        load_config(toml_path=path, env={})
