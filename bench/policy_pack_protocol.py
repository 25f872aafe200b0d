"""How fast is the policy pack as the Pulumi engine drives it? Prints figures; asserts nothing.

Plans the bundled example offline, then launches the pack exactly as the Python language host does
(the test engine of tests/policies/engine) and measures over gRPC:

- start-up: launch to the first answer (``GetPluginInfo``), over ``--starts`` launches;
- ``Analyze`` calls per second: every resource of the largest stack, ``--rounds`` times (plus
  ``Remediate`` + ``Analyze`` pairs, which is what the engine sends per resource);
- ``AnalyzeStack``: seconds per stack, for every stack of the example.

    .venv/bin/python bench/policy_pack_protocol.py [--starts 5] [--rounds 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from google.protobuf import empty_pb2  # noqa: E402
from pulumi.runtime.proto import analyzer_pb2  # noqa: E402

from consortium.audit.params import pack_config  # noqa: E402
from consortium.plan.records import plan_document  # noqa: E402
from consortium.plan.runner import plan_registry  # noqa: E402
from consortium.registry.load import load_registry  # noqa: E402
from tests.policies.engine.config import reconcile  # noqa: E402
from tests.policies.engine.marshal import analyze_request, stack_request  # noqa: E402
from tests.policies.engine.pack import Pack, stack_config  # noqa: E402


def _startup(starts: int) -> list[float]:
    times = []
    for _ in range(starts):
        began = time.monotonic()
        with Pack("hub", stack_config=stack_config("hub")) as pack:
            assert pack.stub is not None
            pack.stub.GetPluginInfo(empty_pb2.Empty())
            times.append(time.monotonic() - began)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()

    registry = load_registry(REPO)
    began = time.monotonic()
    records = plan_document(plan_registry(registry, None, include_hub=True, budget_start=date(2026, 1, 1)))["resources"]
    stacks = sorted({r["stack"] for r in records})
    print(f"planned the example: {len(records)} resources in {len(stacks)} stacks ({time.monotonic() - began:.1f} s)")

    times = _startup(args.starts)
    print(
        f"start-up to first answer: median {statistics.median(times):.2f} s, "
        f"min {min(times):.2f} s, max {max(times):.2f} s ({args.starts} launches)"
    )

    largest = max(stacks, key=lambda s: sum(r["stack"] == s for r in records))
    mine = [r for r in records if r["stack"] == largest]
    requests = [analyze_request(r) for r in mine]
    with Pack(largest, stack_config=stack_config(largest)) as pack:
        stub = pack.stub
        assert stub is not None
        info = stub.GetAnalyzerInfo(empty_pb2.Empty())
        stub.Configure(analyzer_pb2.ConfigureAnalyzerRequest(policyConfig=reconcile(info, pack_config(registry))))
        began = time.monotonic()
        for _ in range(args.rounds):
            for request in requests:
                stub.Analyze(request)
        analyze = len(requests) * args.rounds / (time.monotonic() - began)
        began = time.monotonic()
        for _ in range(args.rounds):
            for request in requests:
                stub.Remediate(request)
                stub.Analyze(request)
        pairs = len(requests) * args.rounds / (time.monotonic() - began)
        print(
            f"Analyze over gRPC ({len(info.policies)} policies, stack {largest}, {len(requests)} resources): "
            f"{analyze:.0f} calls/s; Remediate + Analyze: {pairs:.0f} resources/s"
        )

    print("AnalyzeStack per stack (resources, median of 5):")
    for stack in stacks:
        mine = [r for r in records if r["stack"] == stack]
        request = stack_request(mine, stack)
        with Pack(stack, stack_config=stack_config(stack)) as pack:
            stub = pack.stub
            assert stub is not None
            info = stub.GetAnalyzerInfo(empty_pb2.Empty())
            stub.Configure(analyzer_pb2.ConfigureAnalyzerRequest(policyConfig=reconcile(info, pack_config(registry))))
            runs = []
            for _ in range(5):
                began = time.monotonic()
                stub.AnalyzeStack(request)
                runs.append(time.monotonic() - began)
        print(f"  {stack:14s} {len(request.resources):4d}  {statistics.median(runs) * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
