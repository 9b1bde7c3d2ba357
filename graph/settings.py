"""Typed settings, read from the environment (prefix MENTORGRAPH_) and an optional .env file.

Created on demand (`get_settings()`), never at import, so tests and the CLI can override.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

UNSAFE_PASSWORDS = frozenset({"", "neo4j", "password", "changeme", "mentorgraph"})


# The score components a ranking weight can be given for (graph.recommend.scoring.COMPONENTS).
RankingComponent = Literal["skill_fit", "availability", "capacity", "preferences", "feedback"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="MENTORGRAPH_", env_file=".env", extra="ignore", env_nested_delimiter="__"
    )

    environment: Literal["development", "test", "production"] = "development"
    store: Literal["embedded", "neo4j"] = "embedded"
    data_dir: Path = Path("var")
    embedded_path: Path | None = Field(
        default=None,
        description="SQLite file of the embedded store (default <data_dir>/graph.sqlite3)",
    )

    # neo4j:// routes (clusters, Aura: neo4j+s://); bolt:// talks to one server only.
    neo4j_uri: str = "neo4j://localhost:7687"
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr = SecretStr("neo4j")
    neo4j_database: str = "neo4j"
    neo4j_query_timeout_s: float = Field(default=10.0, gt=0, le=300)
    neo4j_write_timeout_s: float = Field(
        default=120.0, gt=0, le=3600, description="timeout of each Neo4j write transaction"
    )
    neo4j_write_batch_rows: int = Field(
        default=10_000,
        ge=100,
        le=1_000_000,
        description="rows per Neo4j write transaction; larger applies go in batches",
    )
    neo4j_connect_timeout_s: float = Field(
        default=5.0, gt=0, le=120, description="connection timeout; bounds the health check"
    )
    neo4j_max_pool_size: int = Field(
        default=100, ge=1, le=10_000, description="Bolt connections per process (per worker)"
    )
    neo4j_pool_acquire_timeout_s: float = Field(
        default=10.0, gt=0, le=600, description="how long a request waits for a pooled connection"
    )
    neo4j_retry_time_s: float = Field(
        default=5.0,
        ge=0,
        le=600,
        description="how long managed read transactions are retried on transient errors "
        "(leader switch, deadlock, server unavailable)",
    )
    # Optional database user that may only read (Enterprise/Aura: see docs/neo4j.md for the
    # GRANT lines); ad-hoc analyst queries then run as that user.
    neo4j_reader_user: str | None = None
    neo4j_reader_password: SecretStr | None = None

    ranking_weights: dict[RankingComponent, float] = Field(
        default_factory=dict,
        description='override ranking weights, e.g. {"skill_fit": 0.6, "availability": 0.3}',
    )

    follow_store_interval_s: float = Field(
        default=0.1,
        ge=0,
        le=60,
        description="how often each API worker checks the store's data_version and reloads "
        "its snapshot and goal mapper in the background when another worker or process "
        "wrote (0: never; the snapshot is then reloaded on the next request that needs it)",
    )

    embedding_model: str = "all-MiniLM-L6-v2"
    embedding_cache_dir: Path | None = None  # default <data_dir>/embeddings

    # API limits (documented in README "Limits")
    max_body_bytes: int = Field(default=5 * 1024 * 1024, gt=0)
    max_page_size: int = Field(default=500, gt=0, le=10_000)
    max_k: int = Field(default=100, gt=0, le=1000)
    max_import_bytes: int = Field(
        default=256 * 1024 * 1024, gt=0, description="largest file an import reads"
    )

    # Leavers and retention (README "Off-boarding and retention"): days; None keeps forever.
    erase_after_days: int = Field(
        default=30, ge=0, le=3650, description="grace period between off-boarding and erasure"
    )
    retain_pairing_notes_days: int | None = Field(
        default=730, ge=0, description="ended pairings' close reasons and history reasons"
    )
    retain_checkin_notes_days: int | None = Field(
        default=730, ge=0, description="check-in notes (by session date)"
    )
    retain_audit_details_days: int | None = Field(
        default=365, ge=0, description="audit entries' details (who/what/when stay)"
    )
    maintenance_interval_hours: float = Field(
        default=24.0,
        ge=0.0,
        le=24 * 31,
        description="how often the service runs maintenance (erasure, retention); 0 = never",
    )
    pseudonym_key: SecretStr | None = Field(
        default=None,
        description="key of erased people's pseudonyms (default: <data_dir>/pseudonym.key)",
    )

    @property
    def embedded_file(self) -> Path:
        return self.embedded_path or self.data_dir / "graph.sqlite3"

    @property
    def embeddings_dir(self) -> Path:
        return self.embedding_cache_dir or self.data_dir / "embeddings"

    @model_validator(mode="after")
    def _refuse_unsafe_defaults(self) -> Settings:
        unsafe = self.neo4j_password.get_secret_value() in UNSAFE_PASSWORDS
        if self.environment != "development" and self.store == "neo4j" and unsafe:
            raise ValueError(
                "MENTORGRAPH_NEO4J_PASSWORD is unset or a well-known default; "
                f"refusing to start in {self.environment}"
            )
        if (self.neo4j_reader_user is None) != (self.neo4j_reader_password is None):
            raise ValueError(
                "MENTORGRAPH_NEO4J_READER_USER and MENTORGRAPH_NEO4J_READER_PASSWORD "
                "go together: set both or neither"
            )
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
