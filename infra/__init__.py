"""The consortium's Pulumi program: the shared hub (stack ``hub``) and one spoke per member.

The program's whole input is the one structured config key ``consortium:stack``, validated into
:class:`consortium.stackconfig.HubStack` or :class:`consortium.stackconfig.MemberStack`. Every fact
(subnets, services per phase, tags, budget, retention) comes from that config, rendered by the
registry; the program only turns it into resources. One ``ComponentResource`` per concept, each
with a typed, frozen args dataclass, so a unit test can build any one of them on its own.

``pulumi up`` runs :mod:`infra.__main__`; ``consortium plan`` runs :func:`infra.program.main` under
the SDK's mock runtime (see :mod:`consortium.offline`). Both go through the same code.
"""
