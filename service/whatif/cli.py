"""`sciatica-triage what-if` and `generate-history`: the jobs from a terminal."""

from __future__ import annotations

import json
import sys
import time

import click
from flask import Flask
from flask.cli import with_appcontext

from service.triage.outcome import LEVEL_GUIDANCE


def _told(level: str) -> str:
    """What a person at `level` is told, in a few words."""
    return LEVEL_GUIDANCE[level][0] if level in LEVEL_GUIDANCE else "Look after your back at home"


def _date(value: str | None):
    from datetime import UTC, datetime

    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError as error:
        raise click.BadParameter("use a date like 2026-01-31") from error


@click.command("what-if")
@click.option("--since", help="first day to replay (YYYY-MM-DD); default: the first record")
@click.option("--until", help="replay records sent before this day (YYYY-MM-DD)")
@click.option("--actor", default="command line", show_default=True,
              help="who to name in the audit log")
@click.option("--json", "as_json", is_flag=True, help="print the whole result as JSON")
@with_appcontext
def what_if_command(since, until, actor, as_json):
    """Replay the draft over every stored intake (or a date range) and say what changes."""
    from service.extensions import db
    from service.whatif.jobs import JobAlreadyRunning, create_job, progress, run_job
    from service.whatif.models import WhatIfJob

    try:
        job = create_job(actor, _date(since), _date(until))
    except JobAlreadyRunning as error:
        click.echo(f"a what-if for this draft is already running (job {error.job.id})",
                   err=True)
        sys.exit(1)
    job_id, total = job.id, job.total
    click.echo(f"what-if job {job_id}: replaying {job.total} stored intake(s)", err=True)
    started = time.monotonic()
    job = run_job(job_id, on_progress=lambda n: click.echo(f"  {n} of {total}", err=True))
    job = db.session.get(WhatIfJob, job_id)
    state = progress(job)
    if job.status != "complete":
        click.echo(f"what-if job {job_id} {job.status}: {job.error}", err=True)
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(job.result, indent=2))
        return
    result = job.result
    checkins = result.get("checkins") or {"replayed": 0, "skipped_count": 0,
                                          "transitions": []}
    click.echo(f"replayed {result['replayed']} intake(s) and {checkins['replayed']} "
               f"check-in(s) in {time.monotonic() - started:.1f} s ({state['rate']}/s); "
               f"{result['skipped_count'] + checkins['skipped_count']} no longer fit the "
               "questions")
    for title, found in (("intakes", result), ("check-ins", checkins)):
        if not found["replayed"]:
            continue
        click.echo(f"{title}:")
        if not found["transitions"]:
            click.echo("  no one's triage level would change")
        for t in found["transitions"]:
            mark = "LESS URGENT" if t["less_urgent"] else "more urgent"
            click.echo(f"{t['people']:>8}  {_told(t['old'])} -> {_told(t['new'])}"
                       f"  ({mark})")
            if t["less_urgent"]:
                refs = ", ".join(c["reference"] for c in t["changes"][:10])
                click.echo(f"          e.g. {refs}")


@click.command("generate-history")
@click.argument("count", type=click.IntRange(1, 10_000_000))
@click.option("--days", type=click.IntRange(1, 36500), default=365, show_default=True,
              help="spread the intakes over this many days up to now")
@click.option("--seed", type=int, default=None, help="for the same intakes every time")
@click.option("--checkins", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              help="the share of people given a routine who also check in weekly "
                   "(1 to 8 weeks each)")
@with_appcontext
def generate_history_command(count, days, seed, checkins):
    """Fill the database with COUNT synthetic intakes (references SY-...), for trying what-if."""
    from service.whatif.synthetic import generate_history

    def show(stored: int) -> None:
        if stored % 50_000 == 0 or stored == count:
            click.echo(f"  {stored} of {count}", err=True)

    stored = generate_history(count, days=days, seed=seed, progress=show, checkins=checkins)
    click.echo(f"stored {stored} synthetic intake(s)")
    if checkins:
        from service.extensions import db
        from service.followup.models import Checkin

        followed = db.session.scalar(db.select(db.func.count(Checkin.id)))
        click.echo(f"{followed} check-in(s) stored in all")


def register(app: Flask) -> None:
    """Add the what-if commands to `app.cli`."""
    app.cli.add_command(what_if_command)
    app.cli.add_command(generate_history_command)
