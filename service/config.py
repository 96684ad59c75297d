"""Settings, read from ``MENTORMATCH_*`` environment variables and an optional ``.env``."""

from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network
from typing import Annotated, Any, Literal, Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///./mentormatch.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="MENTORMATCH_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL; a SQLite file by default, PostgreSQL in production.",
    )
    registration_open: bool = Field(
        default=True, description="Whether anyone may self-register as a mentor or mentee."
    )
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["text", "json"] = Field(
        default="text", description="json: one JSON object per line, for log collectors."
    )
    database_wait_seconds: float = Field(
        default=30.0,
        ge=0,
        le=600,
        description="How long start-up waits for the database before giving up.",
    )
    max_body_bytes: int = Field(
        default=1_000_000, ge=1_024, description="Largest JSON request body; larger gets 413."
    )
    max_csv_bytes: int = Field(
        default=10_000_000, ge=1_024, description="Largest CSV file an import accepts."
    )
    max_csv_rows: int = Field(default=20_000, ge=1, description="Most rows an import accepts.")
    max_run_pairs: int = Field(
        default=1_200_000_000,
        ge=1,
        description="Largest mentees x mentors a match run may consider (memory and time).",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65_535)
    workers: int = Field(default=1, ge=1, le=64)
    rate_limit_per_minute: int = Field(
        default=10,
        ge=0,
        le=100_000,
        description="Anonymous requests (registration) per client address and minute; 0: off.",
    )
    rate_limit_burst: int = Field(
        default=20, ge=1, le=100_000, description="How many of them may come at once."
    )
    trusted_proxies: Annotated[list[IPv4Network | IPv6Network], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated addresses or networks of reverse proxies whose "
        "X-Forwarded-For names the client; empty: the connecting address is the client.",
    )
    metrics: Literal["off", "open", "token"] = Field(
        default="off",
        description="GET /metrics for Prometheus: off (404), open to anyone who can reach "
        "it, or token (Authorization: Bearer MENTORMATCH_METRICS_TOKEN).",
    )
    metrics_token: SecretStr | None = Field(
        default=None, min_length=16, description="The bearer token /metrics asks for."
    )

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @model_validator(mode="after")
    def _metrics_token_given(self) -> Self:
        if self.metrics == "token" and self.metrics_token is None:
            raise ValueError("MENTORMATCH_METRICS=token needs MENTORMATCH_METRICS_TOKEN too")
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
