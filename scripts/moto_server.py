#!/usr/bin/env python3
"""Runs moto (pinned in scripts/requirements-test.txt) in server mode on
127.0.0.1 for the live tests and the fleet benchmark.

Prints `port N` once it listens (N is free, chosen by the OS unless given),
then serves until its standard input closes: the test process that started it
holds the other end, so moto never outlives the tests, even when they crash.

  .venv/bin/python scripts/moto_server.py [--port N] [--latency-ms MS] [--managed-policies]

--managed-policies loads AWS managed policies into every account moto
creates, which costs about 3.5 s per account: only the tests of AWS managed
policies ask for it.

--latency-ms delays every answer, standing in for the network round trip of
real IAM (moto answers in about a millisecond), so that the benchmark measures
what concurrency buys against a real endpoint.
"""
import argparse
import os
import sys
import time

os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = (
    "true" if "--managed-policies" in sys.argv else "false")
# Each account is separate; MOTO_ACCOUNT_ID would pin every caller to one.
os.environ.pop("MOTO_ACCOUNT_ID", None)

from werkzeug.serving import make_server  # noqa: E402
from moto.moto_server.werkzeug_app import (  # noqa: E402
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
import threading  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--latency-ms", type=float, default=0.0)
    ap.add_argument("--managed-policies", action="store_true")
    args = ap.parse_args()

    app = DomainDispatcherApplication(create_backend_app)
    if args.latency_ms > 0:
        inner = app
        delay = args.latency_ms / 1000.0

        def app(environ, start_response):  # noqa: F811
            time.sleep(delay)
            return inner(environ, start_response)

    server = make_server("127.0.0.1", args.port, app, threaded=True,
                         request_handler=MotoRequestHandler)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    print(f"port {server.server_address[1]}", flush=True)
    try:
        sys.stdin.read()
    except KeyboardInterrupt:
        pass
    server.shutdown()


if __name__ == "__main__":
    main()
