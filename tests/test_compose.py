"""The production docker-compose.yml and Dockerfile agree with the code they deploy.

No Docker needed: the files are parsed and checked against Settings, pyproject.toml and the
CLI, and the API service's environment is turned into real Settings.
"""

from __future__ import annotations

import os
import re
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from graph.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
PREFIX = "MENTORGRAPH_"
# ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?message}, ${VAR?message}; $$ escapes $.
_VAR = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


class MissingVariable(Exception):
    pass


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's variable substitution, enough for our file."""

    def sub(m: re.Match[str]) -> str:
        name, op, arg = m["name"], m["op"], m["arg"]
        value = env.get(name)
        empty = value is None or (value == "" and op is not None and op.startswith(":"))
        if op and op.endswith("?") and empty:
            raise MissingVariable(f"{name}: {arg}")
        if op and op.endswith("-") and empty:
            return arg
        return value or ""

    parts = text.split("$$")
    return "$".join(_VAR.sub(sub, p) for p in parts)


def load(env: dict[str, str]) -> dict[str, Any]:
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    return yaml.safe_load(interpolate(text, env))  # type: ignore[no-any-return]


GOOD_ENV = {"NEO4J_PASSWORD": "s3cret-enough-pw"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load(GOOD_ENV)


def env_of(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):  # ["KEY=value", ...] form
        env = dict(item.split("=", 1) for item in env)
    return {str(k): str(v) for k, v in env.items()}


def test_interpolation_helper_follows_compose_rules() -> None:
    assert interpolate("${A:-x} ${B-y} $${C}", {"B": ""}) == "x  ${C}"
    with pytest.raises(MissingVariable, match="A: say so"):
        interpolate("${A:?say so}", {"A": ""})


def test_services_and_images(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {"password-check", "neo4j", "api"}
    # pinned to one 5.26 LTS patch release, never a floating tag
    assert re.fullmatch(r"neo4j:5\.26\.\d+-community", services["neo4j"]["image"])
    assert services["password-check"]["image"] == services["neo4j"]["image"]  # no extra pull
    build = services["api"]["build"]
    context = build if isinstance(build, str) else build.get("context", ".")
    assert (ROOT / context / "Dockerfile").is_file()


def test_compose_fails_fast_without_the_password() -> None:
    with pytest.raises(MissingVariable, match="NEO4J_PASSWORD"):
        load({})
    with pytest.raises(MissingVariable, match="NEO4J_PASSWORD"):
        load({"NEO4J_PASSWORD": ""})


def test_neo4j_auth_comes_from_the_environment(compose: dict[str, Any]) -> None:
    neo4j = compose["services"]["neo4j"]
    assert env_of(neo4j)["NEO4J_AUTH"] == f"neo4j/{GOOD_ENV['NEO4J_PASSWORD']}"
    mounts = [str(v).split(":") for v in neo4j["volumes"]]
    assert any(target == "/data" and source in compose["volumes"] for source, target in mounts)


def test_neo4j_health_check_runs_a_query_with_cypher_shell(compose: dict[str, Any]) -> None:
    check = compose["services"]["neo4j"]["healthcheck"]
    command = " ".join(check["test"]) if isinstance(check["test"], list) else check["test"]
    assert "cypher-shell" in command and "RETURN 1" in command
    # $$ survives as a literal $ for the container's shell, not compose interpolation.
    assert "${NEO4J_AUTH#neo4j/}" in command
    assert check["retries"] >= 3


def test_api_waits_for_a_healthy_neo4j(compose: dict[str, Any]) -> None:
    depends = compose["services"]["api"]["depends_on"]
    assert depends["neo4j"]["condition"] == "service_healthy"


def test_every_mentorgraph_variable_is_a_settings_field(compose: dict[str, Any]) -> None:
    fields = set(Settings.model_fields)
    names = [n for s in compose["services"].values() for n in env_of(s) if n.startswith(PREFIX)]
    assert names
    for name in names:
        field = name.removeprefix(PREFIX).lower().split("__", 1)[0]
        assert field in fields, f"{name} sets no Settings field"


def test_api_environment_makes_valid_production_settings(
    compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    env = env_of(compose["services"]["api"])
    for key in [k for k in os.environ if k.startswith(PREFIX)]:
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(ROOT / "tests")  # no stray .env file
    s = Settings()
    assert (s.environment, s.store) == ("production", "neo4j")
    assert s.neo4j_uri == "neo4j://neo4j:7687"  # the compose service name, routing scheme
    assert s.neo4j_password.get_secret_value() == GOOD_ENV["NEO4J_PASSWORD"]
    assert s.neo4j_database == "neo4j"
    # The production guard is live: the well-known default password is refused.
    monkeypatch.setenv("MENTORGRAPH_NEO4J_PASSWORD", "neo4j")
    with pytest.raises(ValueError, match="refusing to start in production"):
        Settings()


def test_dockerfile_installs_cpu_torch_first_and_serves_the_console_script() -> None:
    docker = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim\b", docker, re.M)
    torch = docker.index("torch==2.13.0")
    project = docker.index("pip install .")
    assert torch < project
    script = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "scripts"
    ]
    [cmd] = re.findall(r"^CMD (.+)$", docker, re.M)
    argv = yaml.safe_load(cmd)  # exec form is a JSON (hence YAML) list
    assert argv[0] in script and argv[1] == "serve"
    assert argv[argv.index("--host") + 1] == "0.0.0.0"


def test_serve_accepts_the_options_the_image_passes() -> None:
    from typer.testing import CliRunner

    from api.cli import app

    result = CliRunner().invoke(app, ["serve", "--help"])
    assert result.exit_code == 0
    assert "--host" in result.output and "--port" in result.output


def test_dockerignore_keeps_local_state_out_of_the_image() -> None:
    ignored = set((ROOT / ".dockerignore").read_text(encoding="utf-8").split())
    assert {".git", ".venv", "var", ".env", "*.sqlite3"} <= ignored


def test_neo4j_heap_initial_equals_max(compose: dict[str, Any]) -> None:
    for env in (GOOD_ENV, {**GOOD_ENV, "NEO4J_HEAP": "3G"}):
        neo4j = env_of(load(env)["services"]["neo4j"])
        initial = neo4j["NEO4J_server_memory_heap_initial__size"]
        assert initial == neo4j["NEO4J_server_memory_heap_max__size"]
        assert initial == env.get("NEO4J_HEAP", "2G")


@pytest.mark.parametrize(
    ("password", "ok"),
    [("s3cret-enough-pw", True), ("12345678", True), ("short", False), ("1234567", False)],
)
def test_password_check_refuses_passwords_neo4j_would_refuse(password: str, ok: bool) -> None:
    # the check service's own shell command, run by a real shell with the interpolated env
    services = load({"NEO4J_PASSWORD": password})["services"]
    check = services["password-check"]
    assert services["neo4j"]["depends_on"]["password-check"]["condition"] == (
        "service_completed_successfully"
    )
    [script] = check["command"]
    done = subprocess.run(
        [*check["entrypoint"], script],
        env={"NEO4J_PASSWORD": env_of(check)["NEO4J_PASSWORD"], "PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        timeout=10,
    )
    assert (done.returncode == 0) is ok
    if not ok:
        assert "at least 8 characters" in done.stderr


def test_the_api_service_scales_to_replicas_and_workers() -> None:
    """Replicas and worker processes come from the environment, each replica gets a port of
    a range, and nothing ties the service to one container (no container_name)."""
    scaled = load(
        {**GOOD_ENV, "API_REPLICAS": "3", "API_WORKERS": "4", "MENTORGRAPH_PORT": "8000-8002"}
    )
    api = scaled["services"]["api"]
    assert "container_name" not in api
    assert int(api["deploy"]["replicas"]) == 3
    argv = api["command"]
    assert argv[:2] == ["mentorgraph", "serve"] and argv[argv.index("--workers") + 1] == "4"
    assert api["ports"] == ["8000-8002:8000"]
    from typer.testing import CliRunner

    from api.cli import app

    result = CliRunner().invoke(app, ["serve", "--help"])
    assert result.exit_code == 0 and "--workers" in result.output
    default = load(GOOD_ENV)["services"]["api"]
    assert int(default["deploy"]["replicas"]) == 1 and default["ports"] == ["8000:8000"]
