"""The ``consortium`` command line: a thin layer of screens, formats and exit codes.

One module per family of commands (registry, plan, audit); this module only gathers them under
``main``. Exit codes: 0 success; 1 a check found something (stale files, failed controls); 2 bad
input (one ``path: field: message`` line per problem on stderr, nothing written). Bad flags are
click usage errors, which also exit 2.
"""

from __future__ import annotations

import click

from consortium.cli.assets_commands import assets
from consortium.cli.audit_commands import audit
from consortium.cli.backup_commands import backup_status
from consortium.cli.chargeback_commands import chargeback
from consortium.cli.costs_commands import costs, prices
from consortium.cli.init_commands import init
from consortium.cli.offsite_commands import offsite
from consortium.cli.overlap_commands import overlap
from consortium.cli.plan_commands import plan, up
from consortium.cli.registry_commands import members, offboard, onboard, render, schema, validate
from consortium.cli.report_commands import report


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="consortium-toolkit")
def main() -> None:
    """Municipal IT consortium toolkit: registry, address plan, rendered configs."""


_COMMANDS = (
    init, validate, members, render, onboard, offboard, schema, plan, up, audit, report, prices, costs, chargeback,
    overlap, offsite, assets, backup_status,
)
for _command in _COMMANDS:
    main.add_command(_command)
