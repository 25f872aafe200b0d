"""``consortium backup-status``: per member and server, the last backup, snapshots and size, and the
last restore drill, from what ``playbooks/backup_status.yml`` and ``playbooks/restore_drill.yml`` collected.

Exit codes: 0 every protected server is backed up within 36 h and its last drill (if any) passed;
1 a server is stale, failed, has no data, or failed its last drill; 2 bad input (the registry, a
status or drill file, a flag): one line per problem, nothing written.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from consortium.cli.common import (
    EXIT_FINDINGS,
    bad_input,
    members_option,
    output_option,
    print_warnings,
    registry_dir,
    registry_option,
)
from consortium.registry.files import check_writable, present, write_atomic
from consortium.registry.load import load_registry

FORMATS = ("table", "csv", "json")


@click.command("backup-status")
@registry_option
@members_option("One member's servers (repeatable; default: all).")
@click.option(
    "--status-dir",
    type=click.Path(path_type=Path),
    default=Path("out/backup-status"),
    show_default=True,
    help="The per-host status files (playbooks/backup_status.yml -e consortium_backup_status_dir=...).",
)
@click.option(
    "--drills",
    "drills_dir",
    type=click.Path(path_type=Path),
    default=Path("out/evidence/drills"),
    show_default=True,
    help="The restore drill evidence (playbooks/restore_drill.yml -e consortium_drill_dir=...).",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@output_option()
@bad_input
def backup_status(
    registry: str | None,
    members: tuple[str, ...],
    status_dir: Path,
    drills_dir: Path,
    fmt: str,
    output: Path | None,
) -> None:
    """Backups per member and server: last backup, snapshots, size, last restore drill; stale and failed flagged."""
    from consortium.backups.drills import load_drills
    from consortium.backups.report import build_rows, to_csv, to_json, to_table
    from consortium.backups.status import load_statuses

    reg = load_registry(registry_dir(registry))
    print_warnings(reg.warnings)
    if output is not None:
        check_writable(output)
    statuses = load_statuses(status_dir)
    if present(drills_dir):  # a file or a broken link there is bad input, named by load_drills
        drills = load_drills(drills_dir)
    else:  # no drill has run yet: every server shows "none", and says so once
        click.echo(f"warning: {drills_dir}: no restore drill evidence yet (playbooks/restore_drill.yml)", err=True)
        drills = {}
    now = datetime.now(UTC).replace(microsecond=0)
    rows = build_rows(reg, statuses, drills, now, members)
    text = {"table": lambda: to_table(rows, now), "csv": lambda: to_csv(rows), "json": lambda: to_json(rows, now)}[
        fmt
    ]()
    if output is None:
        click.echo(text, nl=False)
    else:
        write_atomic(output, text)
    if any(r.needs_attention for r in rows):
        sys.exit(EXIT_FINDINGS)
