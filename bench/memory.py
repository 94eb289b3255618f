"""Peak memory of the reminder scan as the data grows (should grow sub-linearly: the scan works in batches).

    python -m bench.memory                 # 1k, 10k, 100k relationships on SQLite
    python -m bench.memory --sizes 1000,5000

Each size runs in a fresh process; the peak of Python allocations during
the scan alone (tracemalloc) is reported, with its ratio to the smallest
size's peak next to the ratio of the sizes.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json, sys, tempfile, tracemalloc
from pathlib import Path
from mentorflow import Engine, ManualClock
from bench.scan import START, populate, rebuild_due
from mentorflow.plugins.reminders.outbox import scan
n = int(sys.argv[1])
with tempfile.TemporaryDirectory() as folder:
    clock = ManualClock(START)
    engine = Engine(f"sqlite:///{Path(folder) / 'memory.db'}", clock=clock)
    now = populate(engine, n)
    rebuild_due(engine)  # the bulk load bypassed the engine: the due table is derived from it, as at upgrade
    clock.set(now)
    tracemalloc.start()
    report = scan(engine, now)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    engine.db.dispose()
print(json.dumps({"n": n, "peak_bytes": peak, "duties": report.duties_due}))
"""


def main(argv: list[str] | None = None, out: Any = sys.stdout) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--quick", action="store_true", help="1k and 10k")
    args = parser.parse_args(argv)
    sizes = [1000, 10000] if args.quick else [int(s) for s in args.sizes.split(",")]
    results = []
    print("peak memory of one reminder scan (tracemalloc, SQLite):", file=out)
    for n in sizes:
        run = subprocess.run([sys.executable, "-c", PROBE, str(n)], capture_output=True, text=True, cwd=ROOT,
                             check=True)
        results.append(json.loads(run.stdout.strip().splitlines()[-1]))
    base = results[0]
    for r in results:
        print(f"  {r['n']:>7,} relationships ({r['duties']:>6,} due duties): peak {r['peak_bytes'] / 2**20:6.1f} MiB | "
              f"size x{r['n'] / base['n']:5.0f}, memory x{r['peak_bytes'] / base['peak_bytes']:5.1f}", file=out)
    return results


if __name__ == "__main__":
    main()
