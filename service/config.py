"""Settings, read from ``MENTORMATCH_*`` environment variables and an optional ``.env``."""

from functools import lru_cache
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

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
    console_idle_minutes: int = Field(
        default=60,
        ge=1,
        le=24 * 60,
        description="A console session unused this long ends; the coordinator signs in again.",
    )
    console_session_hours: int = Field(
        default=12,
        ge=1,
        le=24 * 30,
        description="A console session ends this long after sign-in, however busy.",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65_535)
    workers: int = Field(default=1, ge=1, le=64)


@lru_cache
def get_settings() -> Settings:
    return Settings()
