"""One way to run a local S3 store for the tests: a moto server, with IAM enforcement when asked.

moto authenticates and authorises every request once its "no auth" allowance is used up
(``INITIAL_NO_AUTH_ACTION_COUNT``; the server's ``/moto-api/reset-auth`` sets it): users are created
while the allowance is unlimited, then it is set to 0, so from then on every request is signed,
checked against its user's policies, or refused. The offsite tests serve on loopback; the lab tests
serve on the lab bridge so that the hosts' restic reaches it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import boto3
import requests
from botocore.config import Config
from moto.server import ThreadedMotoServer

ADMIN_POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
REGION = "us-east-1"
_CONFIG = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1})


@contextmanager
def moto_server(address: str = "127.0.0.1") -> Iterator[str]:
    """A moto server on ``address`` (a free port) for the block's duration; yields its endpoint."""
    server = ThreadedMotoServer(ip_address=address, port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    try:
        yield endpoint
    finally:
        requests.post(f"{endpoint}/moto-api/reset-auth", data=b"inf", timeout=5)
        server.stop()


def client(endpoint: str, service: str, key: tuple[str, str]) -> Any:
    """A boto3 client signing with ``key`` (path-style addressing, no retries: a refusal shows at once)."""
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=key[0],
        aws_secret_access_key=key[1],
        config=_CONFIG,
    )


def enforce_with_users(endpoint: str, policies: Mapping[str, dict[str, Any]]) -> dict[str, tuple[str, str]]:
    """Empty the server, make one user per policy while no request is checked, then check every request.

    Returns each user's access key."""
    requests.post(f"{endpoint}/moto-api/reset-auth", data=b"inf", timeout=5)
    requests.post(f"{endpoint}/moto-api/reset", timeout=5)
    iam = client(endpoint, "iam", ("AKIASETUP", "setup"))
    keys = {}
    for user, policy in policies.items():
        iam.create_user(UserName=user)
        iam.put_user_policy(UserName=user, PolicyName=user, PolicyDocument=json.dumps(policy))
        key = iam.create_access_key(UserName=user)["AccessKey"]
        keys[user] = (key["AccessKeyId"], key["SecretAccessKey"])
    requests.post(f"{endpoint}/moto-api/reset-auth", data=b"0", timeout=5)
    return keys


def locked_bucket(s3: Any, bucket: str, days: int = 1) -> None:
    """A bucket whose new object versions are locked in COMPLIANCE mode for ``days``."""
    s3.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=True)
    s3.put_object_lock_configuration(
        Bucket=bucket,
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": days}},
        },
    )
