"""The ``mentormatch`` command: serve, migrate, and manage coordinator tokens."""

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, select

from service.config import get_settings
from service.db import make_engine
from service.migrate import upgrade_url
from service.models import ApiToken, Role, utcnow
from service.security import issue_token


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = get_settings()
    if not args.no_migrate:
        upgrade_url(settings.database_url)
    uvicorn.run(
        "service.main:create_app",
        factory=True,
        host=args.host or settings.host,
        port=args.port or settings.port,
        workers=args.workers or settings.workers,
        log_level=settings.log_level,
    )
    return 0


def _migrate(_args: argparse.Namespace) -> int:
    upgrade_url(get_settings().database_url)
    _out("database is at the latest schema revision")
    return 0


def _create_token(args: argparse.Namespace) -> int:
    expires_at = utcnow() + timedelta(days=args.expires_in_days) if args.expires_in_days else None
    engine = make_engine(get_settings().database_url)
    try:
        with Session(engine) as session:
            token, secret = issue_token(
                session=session, role=Role.coordinator, name=args.name, expires_at=expires_at
            )
            session.commit()
            token_id = token.id
    finally:
        engine.dispose()
    _out(secret)
    _err(f"coordinator token {token_id} for '{args.name}' created; it is shown only this once")
    return 0


def _list_tokens(_args: argparse.Namespace) -> int:
    engine = make_engine(get_settings().database_url)
    try:
        with Session(engine) as session:
            tokens = session.exec(
                select(ApiToken)
                .where(ApiToken.role == Role.coordinator.value)
                .order_by(col(ApiToken.id))
            ).all()
            _out(f"{'id':>4}  {'name':<24} {'prefix':<12} {'created':<20} state")
            for token in tokens:
                _out(
                    f"{token.id:>4}  {token.name:<24} {token.prefix:<12} "
                    f"{token.created_at:%Y-%m-%d %H:%M}     {_state(token)}"
                )
    finally:
        engine.dispose()
    return 0


def _state(token: ApiToken) -> str:
    if token.revoked_at is not None:
        return f"revoked {token.revoked_at:%Y-%m-%d}"
    if token.expires_at is not None:
        expired = token.expires_at <= datetime.now(UTC)
        return f"{'expired' if expired else 'expires'} {token.expires_at:%Y-%m-%d}"
    return "active"


def _revoke_token(args: argparse.Namespace) -> int:
    engine = make_engine(get_settings().database_url)
    try:
        with Session(engine) as session:
            token = session.get(ApiToken, args.id)
            if token is None or token.role != Role.coordinator.value:
                _err(f"no coordinator token with id {args.id}")
                return 1
            if token.revoked_at is None:
                token.revoked_at = utcnow()
                session.add(token)
                session.commit()
    finally:
        engine.dispose()
    _err(f"coordinator token {args.id} revoked")
    return 0


def _out(line: str) -> None:
    sys.stdout.write(line + "\n")


def _err(line: str) -> None:
    sys.stderr.write(line + "\n")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mentormatch", description="Matching service for a mentoring scheme."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="migrate the database, then run the API server")
    serve.add_argument("--host", help="default: MENTORMATCH_HOST or 127.0.0.1")
    serve.add_argument("--port", type=int, help="default: MENTORMATCH_PORT or 8000")
    serve.add_argument("--workers", type=int, help="default: MENTORMATCH_WORKERS or 1")
    serve.add_argument("--no-migrate", action="store_true", help="skip the migrations")
    serve.set_defaults(handler=_serve)

    migrate = commands.add_parser("migrate", help="upgrade the database to the latest schema")
    migrate.set_defaults(handler=_migrate)

    create = commands.add_parser("create-token", help="create a coordinator token")
    create.add_argument("--name", required=True, help="whose token this is")
    create.add_argument("--expires-in-days", type=int, help="default: never expires")
    create.set_defaults(handler=_create_token)

    listing = commands.add_parser("list-tokens", help="list coordinator tokens")
    listing.set_defaults(handler=_list_tokens)

    revoke = commands.add_parser("revoke-token", help="revoke a coordinator token by id")
    revoke.add_argument("id", type=int)
    revoke.set_defaults(handler=_revoke_token)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    raise SystemExit(main())
