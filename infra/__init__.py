"""The consortium's Pulumi program: the shared hub (stack ``hub``) and one spoke per member.

The program's whole input is the one structured config key ``consortium:stack``, validated into
:class:`~consortium.registry.stackconfig.HubStack` or :class:`~consortium.registry.stackconfig.MemberStack`,
rendered by the registry; the program only turns it into resources. One ``ComponentResource`` per
concept, each with a typed, frozen args dataclass, so a unit test can build any one of them alone.

``pulumi up`` runs :mod:`infra.__main__`; ``consortium plan`` runs :func:`infra.program.main` under
the SDK's mock runtime (:mod:`consortium.plan.runner`): the same code either way.
"""
