"""The load generator for the HTTP figures: a separate process posting the same bodies
over one keep-alive connection, so the server's GIL is not shared with the client.

    python -m benchmarks.http_client URL BODIES_FILE
    -> prints the seconds taken by all bodies but the first 50 (the warm-up)
"""

from __future__ import annotations

import sys
import time

import urllib3

from mock_spideo.segment import destination_headers


def main(url: str, bodies_file: str) -> None:
    with open(bodies_file, "rb") as handle:
        bodies = handle.read().split(b"\n")
    bodies = [body for body in bodies if body]
    headers = destination_headers("demo-key", {"client": "demo"})
    http = urllib3.PoolManager(maxsize=1, retries=False)
    for body in bodies[:50]:  # warm-up (connection, caches) on bodies not measured after
        http.request("POST", url, body=body, headers=headers)
    started = time.perf_counter()
    for body in bodies[50:]:
        reply = http.request("POST", url, body=body, headers=headers)
        if reply.status >= 500 and reply.status != 501:
            raise SystemExit(f"server error {reply.status}: {reply.data[:200]!r}")
    print(time.perf_counter() - started)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
