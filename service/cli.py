"""The ``mentormatch`` command: serve, migrate, manage tokens, calibrate, and a demo.

Every expected failure (a bad argument or setting; a database that is missing,
unreachable or at another schema; an unknown token) ends with one paragraph on
stderr saying what happened and what to do, and exit status 1 (2 for bad arguments
or settings): never a traceback. Only ``serve``, ``migrate`` and ``demo`` may create
the SQLite file; the token commands never do.
"""

import argparse
import logging
import os
import shutil
import sys
import tempfile
import textwrap
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from alembic.util.exc import CommandError
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col, select

from service import __version__
from service.config import Settings, get_settings
from service.crud import audit
from service.db import DatabaseUnreachable, wait_for_database
from service.migrate import upgrade_url
from service.models import ApiToken, ProposalPublic, Role, utcnow
from service.preflight import (
    Database,
    NotReady,
    describe,
    driver_message,
    ensure_creatable,
    open_migrated,
)
from service.security import issue_token, revoke

logger = logging.getLogger("mentormatch.cli")

MAX_TOKEN_DAYS = 3650
# The multiprocess mode of prometheus_client keeps each worker's samples in files here.
METRICS_FOLDER_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
EMBEDDED_WORKER_VARIABLE = "MENTORMATCH_EMBEDDED_WORKER"


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from service.observability import configure_logging

    settings = get_settings()
    database = describe(settings.database_url)
    ensure_creatable(database)
    host, port = args.host or settings.host, args.port or settings.port
    workers = args.workers or settings.workers
    configure_logging(level=settings.log_level, log_format=settings.log_format)
    logger.info(f"mentormatch {__version__}, using the database at {database.where}")
    _wait(database, settings)
    if args.no_migrate:
        logger.info("migrations skipped (--no-migrate); /health/ready says if the schema is old")
    else:
        logger.info(_migrated(database, *_upgrade(database)))
    logger.info(
        f"listening on http://{host}:{port} with {workers} worker(s); "
        f"API documentation at http://{host}:{port}/docs"
    )
    logger.info(
        'a coordinator token: mentormatch create-token --name "Your name" '
        "(in another terminal, with the same MENTORMATCH_DATABASE_URL)"
    )
    embedded = settings.embedded_worker is None and database.sqlite_file is not None
    if embedded and workers == 1:
        # On the embedded default, messages go out with nothing else to start.
        os.environ[EMBEDDED_WORKER_VARIABLE] = "true"
        get_settings.cache_clear()
        logger.info("notifications: the worker runs inside this server (SQLite, one process)")
    metrics_folder = _metrics_folder(settings, workers)
    try:
        uvicorn.run(
            "service.main:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=settings.log_level,
            # The app logs each request itself, without query strings (they may hold names).
            access_log=False,
            # Our own logging set-up (configure_logging), in the supervisor process too.
            log_config=None,
            # The app decides which X-Forwarded-For to believe (MENTORMATCH_TRUSTED_PROXIES).
            proxy_headers=False,
            timeout_graceful_shutdown=30,
        )
    finally:
        if metrics_folder is not None:
            shutil.rmtree(metrics_folder, ignore_errors=True)
        if embedded and workers == 1:
            os.environ.pop(EMBEDDED_WORKER_VARIABLE, None)
            get_settings.cache_clear()
    return 0


def _metrics_folder(settings: Settings, workers: int) -> str | None:
    """With several workers, each one's metrics go to files that every worker can read."""
    if settings.metrics == "off" or workers < 2 or os.environ.get(METRICS_FOLDER_VARIABLE):
        return None
    folder = tempfile.mkdtemp(prefix="mentormatch-metrics-")
    # Set before the workers start, so that prometheus_client chooses files when they import it.
    os.environ[METRICS_FOLDER_VARIABLE] = folder
    return folder


def _wait(database: Database, settings: Settings) -> None:
    seconds = settings.database_wait_seconds
    try:
        wait_for_database(database.url, seconds=seconds)
    except DatabaseUnreachable as exc:
        cause = exc.__cause__
        reason = driver_message(cause) if isinstance(cause, DBAPIError) else str(exc)
        raise NotReady(
            f"could not reach the database at {database.where} within {seconds:g} s: {reason}. "
            "Check that it is running and that MENTORMATCH_DATABASE_URL names it "
            "(MENTORMATCH_DATABASE_WAIT_SECONDS sets how long to wait)."
        ) from exc


def _upgrade(database: Database) -> tuple[str | None, str | None]:
    try:
        return upgrade_url(database.url)
    except CommandError as exc:
        # Alembic cannot find the database's revision: a newer version migrated it.
        raise NotReady(
            f"cannot migrate the database at {database.where}: {exc}. A newer version of "
            "mentormatch migrated it; use that version, or restore a backup taken before."
        ) from exc


def _migrated(database: Database, before: str | None, after: str | None) -> str:
    if before == after:
        return f"the database at {database.where} is at the latest schema revision, {after}"
    return (
        f"the database at {database.where} is at the latest schema revision, {after} "
        f"(migrated from {before or 'an empty database'})"
    )


def _migrate(_args: argparse.Namespace) -> int:
    settings = get_settings()
    database = describe(settings.database_url)
    ensure_creatable(database)
    _wait(database, settings)
    _out(_migrated(database, *_upgrade(database)))
    return 0


def _create_token(args: argparse.Namespace) -> int:
    database = describe(get_settings().database_url)
    expires_at = utcnow() + timedelta(days=args.expires_in_days) if args.expires_in_days else None
    engine = open_migrated(database)
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
    lasts = f"expires {expires_at:%Y-%m-%d %H:%M} UTC" if expires_at else "does not expire"
    _err(
        f"coordinator token {token_id} for '{args.name}' created in {database.where}; it "
        f"{lasts} and is shown only this once"
    )
    return 0


def _list_tokens(_args: argparse.Namespace) -> int:
    engine = open_migrated(describe(get_settings().database_url))
    try:
        with Session(engine) as session:
            tokens = session.exec(
                select(ApiToken)
                .where(ApiToken.role == Role.coordinator.value)
                .order_by(col(ApiToken.id))
            ).all()
    finally:
        engine.dispose()
    if not tokens:
        _err('no coordinator tokens yet; make one with mentormatch create-token --name "Name"')
        return 0
    width = max(24, *(len(token.name) for token in tokens))
    _out(f"{'id':>4}  {'name':<{width}} {'prefix':<12} {'created':<17} state")
    for token in tokens:
        _out(
            f"{token.id:>4}  {token.name:<{width}} {token.prefix:<12} "
            f"{token.created_at:%Y-%m-%d %H:%M}  {_state(token)}"
        )
    return 0


def _calibrate(args: argparse.Namespace) -> int:
    # Imported here: the engine's numeric stack is not needed by the other commands.
    from service.matchmaking import calibration

    engine = open_migrated(describe(get_settings().database_url))
    try:
        with Session(engine) as session:
            lines = calibration.report(session=session, folds=args.folds)
    except ValueError as exc:
        _err(f"{exc}. Nothing to suggest yet; run calibrate again when more pairings have ended.")
        return 1
    finally:
        engine.dispose()
    for line in lines:
        _out(line)
    return 0


def _state(token: ApiToken) -> str:
    if token.revoked_at is not None:
        return f"revoked {token.revoked_at:%Y-%m-%d}"
    if token.expires_at is not None:
        expired = token.expires_at <= datetime.now(UTC)
        return f"{'expired' if expired else 'expires'} {token.expires_at:%Y-%m-%d}"
    return "active"


def _revoke_token(args: argparse.Namespace) -> int:
    engine = open_migrated(describe(get_settings().database_url))
    try:
        with Session(engine) as session:
            token = session.get(ApiToken, args.id)
            if token is None or token.role != Role.coordinator.value:
                _err(
                    f"mentormatch: there is no coordinator token with id {args.id}; "
                    "mentormatch list-tokens shows their ids"
                )
                return 1
            if token.revoked_at is not None:
                _err(
                    f"mentormatch: coordinator token {args.id} was already revoked on "
                    f"{token.revoked_at:%Y-%m-%d}; nothing changed"
                )
                return 1
            audit.act_as(session, audit.SYSTEM)
            revoke(session=session, token=token)
            session.commit()
    finally:
        engine.dispose()
    _err(f"coordinator token {args.id} revoked; it stops working at once")
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
    database = describe(settings.database_url)
    _wait(database, settings)
    engine = open_migrated(database)
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
    database = describe(settings.database_url)
    ensure_creatable(database)
    _wait(database, settings)
    _upgrade(database)
    engine = open_migrated(database)
    try:
        with Session(engine) as session:
            audit.act_as(session, audit.SYSTEM)
            existing = len(session.exec(select(Mentor.id).limit(1)).all()) + len(
                session.exec(select(Mentee.id).limit(1)).all()
            )
            if existing and not args.yes and not _confirm(database):
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
        _out(
            "Unmatched: "
            + ", ".join(f"{n} {code.replace('_', ' ')}" for code, n in reasons.most_common())
        )
    if proposals:
        _out("")
        _out(f"The first {len(proposals)} proposed pairings, with why:")
        _out("")
        for line in proposals_table(proposals, width=shutil.get_terminal_size().columns):
            _out(line)
    _out("")
    _out(f"Review it in the API: mentormatch serve, then GET /match-runs/{summary.id}/proposals")
    return 0


def _confirm(database: Database) -> bool:
    if not sys.stdin.isatty():
        _err(
            f"mentormatch: the database at {database.where} already holds people; "
            "run again with --yes to replace them"
        )
        return False
    try:
        answer = input(f"Replace every mentor, mentee, run and pairing in {database.where}? [y/N] ")
    except EOFError:
        answer = ""
    if answer.strip().lower() not in ("y", "yes"):
        _err("nothing changed")
        return False
    return True


def proposals_table(proposals: Sequence[ProposalPublic], *, width: int) -> list[str]:
    """Aligned columns of full names and organisations; each reason wrapped below its row."""
    rows = [
        (
            f"{number}.",
            f"{proposal.mentee.name} ({proposal.mentee.organisation})",
            f"{proposal.mentor.name} ({proposal.mentor.organisation})",
            f"{proposal.score:.2f}",
        )
        for number, proposal in enumerate(proposals, start=1)
    ]
    header = ("", "mentee", "mentor", "score")
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(4)]

    def line(cells: Sequence[str]) -> str:
        number, mentee, mentor, score = cells
        return (
            f"{number:>{widths[0]}}  {mentee:<{widths[1]}}  {mentor:<{widths[2]}}  "
            f"{score:>{widths[3]}}"
        ).rstrip()

    indent = " " * (widths[0] + 2)
    lines = [line(header)]
    for row, proposal in zip(rows, proposals, strict=True):
        lines.append(line(row))
        lines += textwrap.wrap(
            proposal.reason,
            width=max(width - 1, 60),
            initial_indent=indent,
            subsequent_indent=indent,
        )
    return lines


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


def _bounded(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not between {low} and {high}")
        return value

    return parse


def _token_name(text: str) -> str:
    name = text.strip()
    if not 1 <= len(name) <= 100:
        raise argparse.ArgumentTypeError("give a name of 1 to 100 characters")
    return name


DEMO_DESCRIPTION = """\
Fill the database with a synthetic cohort of the programme (leaders of new mutuals
across health, social care and community services; peer and specialist mentors),
run a match over it and print the proposed pairings with their reasons.

It REPLACES every mentor, mentee, match run, pairing and exclusion in the database
(the taxonomy and coordinator tokens stay). When the database already holds people
it asks first, or refuses when nobody can answer; --yes replaces them without asking.
The same --seed gives the same cohort. Creates and migrates the database if needed.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mentormatch",
        description="Matching service for a mentoring scheme for public service mutuals. "
        "Settings come from MENTORMATCH_* environment variables or a .env file in the "
        "working folder; MENTORMATCH_DATABASE_URL names the database.",
    )
    parser.add_argument("--version", action="version", version=f"mentormatch {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser(
        "serve",
        help="migrate the database, then run the API server",
        description="Migrate the database (creating a SQLite file if needed), then serve "
        "the API until stopped (Ctrl-C or SIGTERM finish the requests in flight first).",
    )
    serve.add_argument("--host", help="default: MENTORMATCH_HOST or 127.0.0.1")
    serve.add_argument("--port", type=_bounded(1, 65_535), help="default: MENTORMATCH_PORT or 8000")
    serve.add_argument("--workers", type=_bounded(1, 64), help="default: MENTORMATCH_WORKERS or 1")
    serve.add_argument("--no-migrate", action="store_true", help="skip the migrations")
    serve.set_defaults(handler=_serve)

    migrate = commands.add_parser(
        "migrate",
        help="upgrade the database to the latest schema",
        description="Create or upgrade the database's tables to this version's schema.",
    )
    migrate.set_defaults(handler=_migrate)

    create = commands.add_parser(
        "create-token",
        help="create a coordinator token",
        description="Print a new coordinator token once (stdout); only its hash is stored.",
    )
    create.add_argument("--name", required=True, type=_token_name, help="whose token this is")
    create.add_argument(
        "--expires-in-days",
        type=_bounded(1, MAX_TOKEN_DAYS),
        metavar="DAYS",
        help=f"1 to {MAX_TOKEN_DAYS}; without it the token lasts until revoked",
    )
    create.set_defaults(handler=_create_token)

    listing = commands.add_parser(
        "list-tokens",
        help="list coordinator tokens",
        description="Ids, names, prefixes and states of coordinator tokens, never the tokens.",
    )
    listing.set_defaults(handler=_list_tokens)

    revoke = commands.add_parser(
        "revoke-token",
        help="revoke a coordinator token by id",
        description="The token stops working at once; list-tokens shows the ids.",
    )
    revoke.add_argument("id", type=_bounded(1, 2**31 - 1), help="the token's id")
    revoke.set_defaults(handler=_revoke_token)

    calibrate = commands.add_parser(
        "calibrate",
        help="fit score weights to how finished pairings ended",
        description="Read finished pairings made from match runs (completed, good fit vs "
        "ended early, not a fit), fit the component weights that best predict a good outcome "
        "(regularised logistic regression), and print how well the current and the fitted "
        "weights predict outcomes (cross-validated AUC with a 95% interval). Changes nothing: "
        "a coordinator adopts fitted weights by running with them. Refuses on fewer than 40 "
        "pairings or 10 of either outcome.",
    )
    calibrate.add_argument(
        "--folds", type=_bounded(2, 20), default=5, help="cross-validation folds; default: 5"
    )
    calibrate.set_defaults(handler=_calibrate)

    demo = commands.add_parser(
        "demo",
        help="replace the register with a synthetic cohort and run a match",
        description=DEMO_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    demo.add_argument(
        "--mentees", type=_bounded(1, 50_000), default=160, help="1-50000; default: 160"
    )
    demo.add_argument(
        "--mentors", type=_bounded(1, 20_000), default=50, help="1-20000; default: 50"
    )
    demo.add_argument("--seed", type=int, default=1, help="same seed, same cohort; default: 1")
    demo.add_argument(
        "--show", type=_bounded(0, 1000), default=10, help="pairings to print; default: 10"
    )
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
    return parser


def _settings_problem(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["loc"]:
            message = f"MENTORMATCH_{str(error['loc'][0]).upper()}: {message}"
        problems.append(message)
    return f"a setting (environment variable or .env file) cannot be used: {'; '.join(problems)}"


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except ValidationError as exc:
        _err(f"mentormatch: {_settings_problem(exc)}")
        return 2
    except NotReady as exc:
        _err(f"mentormatch: {exc}")
        return 1
    except KeyboardInterrupt:
        _err("mentormatch: interrupted")
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
