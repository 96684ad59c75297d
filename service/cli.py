"""The ``mentormatch`` command: serve, migrate, and manage coordinator tokens."""

import argparse
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, select

from service.config import get_settings
from service.crud import audit
from service.db import DatabaseUnreachable, make_engine, wait_for_database
from service.migrate import upgrade_url
from service.models import ApiToken, Role, utcnow
from service.security import issue_token, revoke


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = get_settings()
    wait_for_database(settings.database_url, seconds=settings.database_wait_seconds)
    if not args.no_migrate:
        upgrade_url(settings.database_url)
    uvicorn.run(
        "service.main:create_app",
        factory=True,
        host=args.host or settings.host,
        port=args.port or settings.port,
        workers=args.workers or settings.workers,
        log_level=settings.log_level,
        # The app logs each request itself, without query strings (they may hold names).
        access_log=False,
        timeout_graceful_shutdown=30,
    )
    return 0


def _migrate(_args: argparse.Namespace) -> int:
    settings = get_settings()
    wait_for_database(settings.database_url, seconds=settings.database_wait_seconds)
    upgrade_url(settings.database_url)
    _out("database is at the latest schema revision")
    return 0


def _create_token(args: argparse.Namespace) -> int:
    expires_at = utcnow() + timedelta(days=args.expires_in_days) if args.expires_in_days else None
    engine = make_engine(get_settings().database_url)
    try:
        with Session(engine) as session:
            audit.act_as(session, audit.SYSTEM)
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
            audit.act_as(session, audit.SYSTEM)
            revoke(session=session, token=token)
            session.commit()
    finally:
        engine.dispose()
    _err(f"coordinator token {args.id} revoked")
    return 0


def _worker(args: argparse.Namespace) -> int:
    import signal
    import threading

    from service.clock import SystemClock
    from service.db import session_factory
    from service.notifications.transports import make_transport
    from service.observability import configure_logging
    from service.worker import run_forever, run_once

    settings = get_settings()
    configure_logging(level=settings.log_level, log_format=settings.log_format)
    wait_for_database(settings.database_url, seconds=settings.database_wait_seconds)
    engine = make_engine(settings.database_url)
    try:
        if args.once:
            done = run_once(
                sessions=session_factory(engine),
                settings=settings,
                clock=SystemClock(),
                transport=make_transport(settings),
            )
            _err(
                f"queued {sum(done.queued.values())}, sent {done.delivered.sent}, "
                f"to retry {done.delivered.retried}, dead {done.delivered.dead}"
            )
            return 0
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        run_forever(sessions=session_factory(engine), settings=settings, stop=stop)
    finally:
        engine.dispose()
    return 0


def _demo(args: argparse.Namespace) -> int:
    from service import demo
    from service.matchmaking import runs
    from service.models import MatchRunCreate, Mentee, Mentor

    settings = get_settings()
    upgrade_url(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with Session(engine) as session:
            audit.act_as(session, audit.SYSTEM)
            existing = len(session.exec(select(Mentor.id).limit(1)).all()) + len(
                session.exec(select(Mentee.id).limit(1)).all()
            )
            if existing and not args.yes:
                if not sys.stdin.isatty():
                    _err("the database already holds people; run again with --yes to replace them")
                    return 1
                answer = input("Replace every mentor, mentee, run and pairing? [y/N] ")
                if answer.strip().lower() not in ("y", "yes"):
                    _err("nothing changed")
                    return 1
            demo.clear_people(session=session)
            demo.load(
                session=session,
                mentees=args.mentees,
                mentors=args.mentors,
                seed=args.seed,
                progress=_progress("creating people"),
            )
            _err("matching...")
            run = runs.trigger(
                session=session,
                data=MatchRunCreate(),
                triggered_by="demo",
                max_pairs=settings.max_run_pairs,
            )
            assert run.id is not None
            proposals, _ = runs.proposals_page(
                session=session, run_id=run.id, status=None, limit=args.show, offset=0
            )
            unmatched, _ = runs.unmatched_page(session=session, run_id=run.id, limit=1000, offset=0)
            summary = runs.to_public(run)
            session.commit()
    finally:
        engine.dispose()
    _out(f"Demo cohort: {args.mentees} mentees, {args.mentors} mentors (seed {args.seed})")
    _out(
        f"Match run {summary.id}: {summary.matched_count} matched, "
        f"{summary.unmatched_count} unmatched, mean score {summary.mean_score:.3f}, "
        f"solver {summary.solver}, {summary.duration_ms:.0f} ms"
    )
    _out(
        f"Greedy baseline (best pair first): {summary.greedy_matched_count} matched, "
        f"total {summary.greedy_total_score:.2f}; the optimum matches "
        f"{summary.extra_matched_over_greedy:+d} more, total {summary.total_score:.2f} "
        f"({summary.score_gain_over_greedy:+.2f})"
    )
    reasons = Counter(item.reason_code for item in unmatched)
    if reasons:
        _out("Unmatched: " + ", ".join(f"{n} {code}" for code, n in reasons.most_common()))
    _out("")
    _out(f"{'mentee':<32} {'mentor':<32} {'score':>5}  reason")
    for proposal in proposals:
        mentee = f"{proposal.mentee.name} ({proposal.mentee.organisation})"
        mentor = f"{proposal.mentor.name} ({proposal.mentor.organisation})"
        _out(f"{mentee[:32]:<32} {mentor[:32]:<32} {proposal.score:>5.2f}  {proposal.reason}")
    _out("")
    _out("Review it in the API: mentormatch serve, then GET /match-runs/{id}/proposals")
    return 0


def _progress(label: str) -> Callable[[int, int], None]:
    started = time.monotonic()

    def report(done: int, total: int) -> None:
        # Only worth showing for what takes more than a moment.
        if time.monotonic() - started > 1 or done == total:
            sys.stderr.write(f"\r{label}: {done}/{total}")
            if done == total:
                sys.stderr.write("\n")
            sys.stderr.flush()

    return report


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

    demo = commands.add_parser(
        "demo", help="replace the register with a synthetic cohort and run a match"
    )
    demo.add_argument("--mentees", type=int, default=160, help="default: 160")
    demo.add_argument("--mentors", type=int, default=50, help="default: 50")
    demo.add_argument("--seed", type=int, default=1, help="same seed, same cohort")
    demo.add_argument("--show", type=int, default=10, help="pairings to print; default 10")
    demo.add_argument("--yes", action="store_true", help="replace existing people without asking")
    demo.set_defaults(handler=_demo)

    worker = commands.add_parser(
        "worker",
        help="send notifications and run the schedules (check-ins, reminders, digests)",
        description="Deliver queued messages (with retries) and queue the scheduled ones, "
        "every MENTORMATCH_WORKER_INTERVAL_SECONDS, until stopped. Several workers may run "
        "against PostgreSQL; on SQLite, serve runs one itself.",
    )
    worker.add_argument("--once", action="store_true", help="one pass, then exit")
    worker.set_defaults(handler=_worker)

    revoke = commands.add_parser("revoke-token", help="revoke a coordinator token by id")
    revoke.add_argument("id", type=int)
    revoke.set_defaults(handler=_revoke_token)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except DatabaseUnreachable as exc:
        _err(f"mentormatch: {exc}")
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
