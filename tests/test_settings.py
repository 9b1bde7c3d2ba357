"""Typed settings: environment variables, derived paths, unsafe defaults refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from graph.settings import Settings


def test_defaults_are_the_embedded_store_under_var() -> None:
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert s.store == "embedded"
    assert s.embedded_file == Path("var/graph.sqlite3")
    assert s.embeddings_dir == Path("var/embeddings")


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MENTORGRAPH_STORE", "neo4j")
    monkeypatch.setenv("MENTORGRAPH_NEO4J_DATABASE", "competency")
    monkeypatch.setenv("MENTORGRAPH_NEO4J_PASSWORD", "a-long-secret")
    monkeypatch.setenv("MENTORGRAPH_DATA_DIR", str(tmp_path))
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert (s.store, s.neo4j_database) == ("neo4j", "competency")
    assert s.neo4j_password.get_secret_value() == "a-long-secret"
    assert "a-long-secret" not in repr(s)  # secrets never print
    assert s.embedded_file == tmp_path / "graph.sqlite3"


@pytest.mark.parametrize("environment", ["production", "test"])
@pytest.mark.parametrize("password", ["neo4j", "password", ""])
def test_unsafe_neo4j_password_refused_outside_development(environment: str, password: str) -> None:
    with pytest.raises(ValidationError, match="refusing to start"):
        Settings(
            _env_file=None,  # type: ignore[call-arg]
            environment=environment,
            store="neo4j",
            neo4j_password=password,
        )


def test_development_may_use_the_default_password() -> None:
    s = Settings(_env_file=None, store="neo4j")  # type: ignore[call-arg]
    assert s.neo4j_password.get_secret_value() == "neo4j"


def test_bad_values_name_the_field() -> None:
    with pytest.raises(ValidationError, match="store"):
        Settings(_env_file=None, store="postgres")  # type: ignore[call-arg, arg-type]
    with pytest.raises(ValidationError, match="max_page_size"):
        Settings(_env_file=None, max_page_size=0)  # type: ignore[call-arg]


def test_ranking_weights_override_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    from graph.recommend import Weights

    monkeypatch.setenv("MENTORGRAPH_RANKING_WEIGHTS", '{"skill_fit": 0.8, "feedback": 0}')
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    w = Weights.with_overrides(s.ranking_weights)
    assert (w.skill_fit, w.feedback, w.availability) == (0.8, 0.0, Weights().availability)
    with pytest.raises(ValidationError, match="ranking_weights"):
        Settings(_env_file=None, ranking_weights={"charisma": 1.0})  # type: ignore[call-arg, dict-item]
