"""A load generator in its own process: N concurrent clients for a fixed time, latencies as JSON.

    python -m bench.http_load --url http://127.0.0.1:8000 --plan plan.json --seconds 8 --concurrency 50

The plan lists requests as {"method", "path", "headers", "json"} and each
client cycles through its share. With ``--think`` each client is a person
who waits (exponentially distributed, that mean) between requests; without
it, clients send back to back (a saturation test). ``--warmup`` seconds of the same
load run first and are not recorded: connections are open and every
process has served each kind of request before the clock starts (the
one-off cost of a fresh process is the server's warm-up, not a visitor's
latency). Prints {"name": [latencies in ms], ...} and the number of errors
(non-2xx) per name.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from typing import Any

import httpx


async def run(url: str, plan: list[dict[str, Any]], seconds: float, concurrency: int,
              think: float = 0.0, warmup: float = 0.0) -> dict[str, Any]:
    latencies: dict[str, list[float]] = {}
    errors: dict[str, int] = {}
    recording = time.perf_counter() + warmup
    deadline = recording + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:
        async def worker(index: int) -> None:
            step = index
            rng = random.Random(index)
            await asyncio.sleep(rng.uniform(0, think))  # users do not all start at the same instant
            while time.perf_counter() < deadline:
                request = plan[step % len(plan)]
                step += concurrency
                started = time.perf_counter()
                name = request["name"]
                try:
                    response = await client.request(request["method"], request["path"],
                                                    headers=request.get("headers"), json=request.get("json"))
                except httpx.HTTPError:  # a refused or timed-out request is an error of the run, not a crash
                    errors[name] = errors.get(name, 0) + 1
                    continue
                elapsed = (time.perf_counter() - started) * 1000
                if started >= recording:
                    latencies.setdefault(name, []).append(elapsed)
                if response.status_code >= 300:  # counted in the warm-up too: a failure is never hidden
                    errors[name] = errors.get(name, 0) + 1
                if think:
                    await asyncio.sleep(rng.expovariate(1 / think))  # a person reading before the next click

        await asyncio.gather(*(worker(i) for i in range(concurrency)))
    return {"latencies": latencies, "errors": errors, "seconds": seconds}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--plan", required=True)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--think", type=float, default=0.0, help="mean seconds a user waits between requests")
    parser.add_argument("--warmup", type=float, default=0.0, help="seconds of load before recording starts")
    args = parser.parse_args()
    with open(args.plan, encoding="utf-8") as handle:
        plan = json.load(handle)
    json.dump(asyncio.run(run(args.url, plan, args.seconds, args.concurrency, args.think, args.warmup)), sys.stdout)


if __name__ == "__main__":
    main()
