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
    vet_registrations: bool = Field(
        default=True,
        description="Self-registered profiles wait as pending until a coordinator approves "
        "them; profiles coordinators enter or import never wait.",
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
    max_concurrent_requests: int = Field(
        default=16,
        ge=1,
        le=32,
        description="Requests one worker serves at once; its database pool holds as many "
        "connections. The thread pool (40) must not be the narrower of the two.",
    )
    max_waiting_requests: int = Field(
        default=500,
        ge=0,
        description="Requests that may wait for a place at once; one more gets a 503 at once.",
    )
    request_wait_seconds: float = Field(
        default=10.0,
        ge=0,
        le=300,
        description="How long a request waits for a place before it gets a 503.",
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

    # Notifications: links in messages point here.
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="The address people reach the service at, for links in messages.",
    )
    mail_transport: Literal["log", "smtp", "notify"] = Field(
        default="log",
        description="log: write that a message would be sent (development); smtp; "
        "notify (GOV.UK Notify).",
    )
    mail_from: str = Field(default="mentormatch <noreply@example.org>", max_length=254)
    smtp_host: str = "localhost"
    smtp_port: int = Field(default=587, ge=1, le=65_535)
    smtp_security: Literal["starttls", "tls", "none"] = Field(
        default="starttls", description="starttls (port 587), tls (port 465) or none."
    )
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    notify_api_key: SecretStr = SecretStr("")
    notify_template_id: str = Field(
        default="", description="A GOV.UK Notify email template with ((subject)) and ((body))."
    )
    coordinator_emails: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Who gets alerts (a pairing said not to fit) and the digest; comma-separated.",
    )
    checkin_after_days: int = Field(default=30, ge=1, le=365)
    checkin_repeat_days: int = Field(
        default=14, ge=1, le=365, description="Asked again this long after 'still deciding'."
    )
    end_reminder_days: int = Field(default=14, ge=1, le=365)
    nudge_after_days: int = Field(
        default=60, ge=1, le=730, description="No check-in answer for this long: a nudge."
    )
    auto_end: bool = Field(
        default=False, description="End pairings (as completed) after their planned end date."
    )
    digest: Literal["off", "daily", "weekly"] = "daily"
    delivery_max_attempts: int = Field(default=8, ge=1, le=50)
    delivery_lease_seconds: float = Field(default=120.0, gt=0, le=3600)
    worker_interval_seconds: float = Field(default=10.0, gt=0, le=3600)
    embedded_worker: bool | None = Field(
        default=None,
        description="Run the worker inside the server process; unset: serve runs it on "
        "SQLite with one process, and nowhere else.",
    )

    @field_validator("trusted_proxies", "coordinator_emails", mode="before")
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
