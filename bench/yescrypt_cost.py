"""What does a yescrypt password hash cost, by its cost parameter? Prints figures; asserts nothing.

ANSSI-BP-028's rule accounts_password_pam_unix_rounds_password_auth wants ``rounds=11`` on pam_unix, which
for yescrypt (Debian 12's hash) is libxcrypt's cost parameter (1..11, default 5, each step doubling time and
memory). Every password check (sudo, su, a console login) computes one hash, so this is what one attempt
costs the server. Each cost is hashed in a fresh process (its peak memory is then the hash's, plus
Python's own ~15 MiB), through libxcrypt's crypt_gensalt and crypt, as PAM does.

    .venv/bin/python bench/yescrypt_cost.py [--costs 5 8 11] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

#: Run in a child per cost: the hash's time (best of REPEAT) and the process's peak memory.
CHILD = """
import ctypes, json, os, resource, sys, time
lib = ctypes.CDLL("libcrypt.so.1")
lib.crypt_gensalt.restype = ctypes.c_char_p
lib.crypt_gensalt.argtypes = [ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p, ctypes.c_int]
lib.crypt.restype = ctypes.c_char_p
lib.crypt.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
cost, repeat = int(sys.argv[1]), int(sys.argv[2])
entropy = os.urandom(16)
setting = lib.crypt_gensalt(b"$y$", cost, entropy, len(entropy))
best = None
for _ in range(repeat):
    started = time.perf_counter()
    if not lib.crypt(b"a passphrase of some length", setting).startswith(b"$y$"):
        sys.exit("crypt failed")
    took = time.perf_counter() - started
    best = took if best is None else min(best, took)
peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"setting": setting.decode()[:7], "seconds": best, "peak_mib": peak_mib}))
"""


def measure(cost: int, repeat: int) -> dict:
    """One cost's figures from a fresh child process."""
    out = subprocess.run([sys.executable, "-c", CHILD, str(cost), str(repeat)], capture_output=True, text=True,
                         check=True)  # fmt: skip
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--costs", type=int, nargs="+", default=[5, 8, 11])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    base = None
    print(f"{'cost':>4}  {'setting':<8} {'seconds':>8}  {'x cost 5':>8}  {'peak MiB':>8}")
    for cost in args.costs:
        fig = measure(cost, args.repeat)
        base = fig["seconds"] if cost == 5 or base is None else base
        print(f"{cost:>4}  {fig['setting']:<8} {fig['seconds']:>8.3f}  {fig['seconds'] / base:>8.1f}  "
              f"{fig['peak_mib']:>8.0f}")  # fmt: skip


if __name__ == "__main__":
    main()
