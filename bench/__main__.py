"""``python -m bench all [--quick]``: run every benchmark and write docs/benchmarks.md with plots.

The report is regenerated, never hand-edited. Every figure is shown as a
ratio to its in-run baseline (these machines are noisy), with the machine
it ran on. Plots go to docs/benchmarks/*.png.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PLOTS = DOCS / "benchmarks"


def _capture(fn: Any, *args: Any) -> tuple[Any, str]:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        result = fn(*args, out=buffer) if "out" in fn.__code__.co_varnames else fn(*args)
    return result, buffer.getvalue()


def _subprocess(module: str, *args: str) -> str:
    run = subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True, cwd=ROOT)
    return run.stdout + (f"\n(exit {run.returncode})\n{run.stderr[-2000:]}" if run.returncode else "")


def machine() -> str:
    cpu = ""
    with contextlib.suppress(OSError):
        cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")), "")
    return (f"{platform.platform()}, {cpu or platform.processor()}, {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}")


def plot_bars(path: Path, title: str, labels: list[str], series: dict[str, list[float]], ylabel: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.6))
    width = 0.8 / max(len(series), 1)
    for i, (name, values) in enumerate(series.items()):
        ax.bar([x + i * width for x in range(len(labels))], values, width, label=name)
    ax.set_xticks([x + width * (len(series) - 1) / 2 for x in range(len(labels))], labels)
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_lines(path: Path, title: str, xs: list[float], series: dict[str, list[float]], xlabel: str,
               ylabel: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.6))
    for name, values in series.items():
        ax.plot(xs[: len(values)], values, marker="o", label=name)
    ax.set_xscale("log")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def run_all(quick: bool) -> str:
    from bench import growth, http, memory, scan, transitions

    PLOTS.mkdir(parents=True, exist_ok=True)
    flag = ["--quick"] if quick else []
    sections: list[str] = []
    summary: list[tuple[str, str, str]] = []

    tr, tr_text = _capture(transitions.main, flag)
    sqlite = tr["sqlite"]
    summary.append(("transitions, SQLite, commit each", f"{sqlite['engine']:,.0f}/s",
                    f"{sqlite['ratio']:.2f} of the stdlib sqlite3 floor (target ≥ 0.25)"))
    summary.append(("transitions, SQLite, batch of 100", f"{sqlite['engine_batch']:,.0f}/s",
                    f"{sqlite['ratio_batch']:.2f} of the floor"))
    labels, engine_rates, floor_rates = ["SQLite each", "SQLite batch"], [sqlite["engine"], sqlite["engine_batch"]], \
        [sqlite["floor"], sqlite["floor_batch"]]
    if "postgres" in tr and "engine" in tr["postgres"]:
        pg = tr["postgres"]
        summary.append(("transitions, PostgreSQL, commit each", f"{pg['engine']:,.0f}/s",
                        f"{pg['ratio']:.2f} of the psycopg floor"))
        labels += ["PostgreSQL each", "PostgreSQL batch"]
        engine_rates += [pg["engine"], pg["engine_batch"]]
        floor_rates += [pg["floor"], pg["floor_batch"]]
    plot_bars(PLOTS / "transitions.png", "Transitions per second: engine vs floor", labels,
              {"engine": engine_rates, "floor": floor_rates}, "transitions/s")
    sections.append(("Transitions", "transitions.png", tr_text))

    sizes = "1000,10000" if quick else "1000,10000,100000"
    sc, sc_text = _capture(scan.main, ["--sizes", sizes, "--workers", "1,2,4"])
    for db in ("sqlite", "postgresql"):
        rows = [r for r in sc if r["db"] == db]
        if rows:
            big = rows[-1]
            summary.append((f"reminder scan, {db}, {big['n']:,} relationships", f"{big['repeat']:.3f} s",
                            f"{big['repeat'] / big['naive']:.3f} × the naive Python loop, "
                            f"x{big['naive'] / big['repeat']:,.0f} faster (target ≥ 10x at 100k)"))
    sharded = [r for r in sc if r["db"] == "postgresql-workers"]
    for row in sharded[1:]:
        summary.append((f"sharded full scan, postgresql, {row['n']:,} relationships, {row['workers']} workers",
                        f"{row['wall']:.2f} s", f"x{sharded[0]['wall'] / row['wall']:.2f} the speed of 1 worker "
                        f"({os.cpu_count()} CPUs, shared with the database)"))
    xs = sorted({r["n"] for r in sc})
    plot_lines(PLOTS / "scan.png", "Reminder scan time as relationships grow", xs,
               {f"{db} scan": [r["repeat"] for r in sc if r["db"] == db] for db in ("sqlite", "postgresql")
                if any(r["db"] == db for r in sc)} | {
                   f"{db} naive": [r["naive"] for r in sc if r["db"] == db] for db in ("sqlite", "postgresql")
                   if any(r["db"] == db for r in sc)}, "relationships", "seconds")
    sections.append(("Reminder scan", "scan.png", sc_text))

    mem, mem_text = _capture(memory.main, ["--sizes", sizes])
    plot_lines(PLOTS / "memory.png", "Peak memory of one scan", [r["n"] for r in mem],
               {"peak MiB": [r["peak_bytes"] / 2**20 for r in mem]}, "relationships", "MiB")
    memory_growth = mem[-1]["peak_bytes"] / mem[0]["peak_bytes"]
    summary.append(("scan peak memory growth", f"{mem[-1]['peak_bytes'] / 2**20:.1f} MiB at {mem[-1]['n']:,}",
                    f"× {memory_growth:.1f} for × {mem[-1]['n'] / mem[0]['n']:.0f} data"))
    sections.append(("Memory", "memory.png", mem_text))

    ht, ht_text = _capture(http.main, flag)
    profiles = {k: ht.pop(k) for k in list(ht) if k.startswith("profile-")}
    for label, shares in profiles.items():
        t = shares["transition"]
        summary.append((f"one transition request in-process, {label.removeprefix('profile-')}", f"{t['ms']:.1f} ms",
                        f"{t['database']:.0%} in the database, {t['templates']:.0%} in templates"))
    names = ["health", "page", "api_get", "transition"]
    plot_bars(PLOTS / "http.png", "HTTP p95 latency, 50 people clicking about once a second (ms)", names,
              {scenario: [ht[scenario][n]["p95"] for n in names] for scenario in ht
               if not scenario.startswith("saturation")}, "ms")
    for scenario, figures in ht.items():
        if scenario.startswith("saturation"):
            continue
        for name in ("page", "transition"):
            summary.append((f"HTTP {name} p95, {scenario}", f"{figures[name]['p95']:.0f} ms",
                            f"{figures[name]['p95'] / figures['health']['p95']:.2f} × /health p95 (target < 50 ms)"))
    if "saturation-postgresql-2" in ht:
        one = sum(s["rps"] for s in ht["saturation-postgresql-1"].values())
        two = sum(s["rps"] for s in ht["saturation-postgresql-2"].values())
        summary.append(("HTTP throughput saturated, 2 vs 1 web processes (PostgreSQL)", f"{two:,.0f}/s",
                        f"{two / one:.2f} × 1 process"))
    elif "saturation-postgresql-1" in ht:
        one = sum(s["rps"] for s in ht["saturation-postgresql-1"].values())
        summary.append(("HTTP throughput saturated, 1 web process (PostgreSQL)", f"{one:,.0f}/s", "—"))
    sections.append(("HTTP latency and throughput", "http.png", ht_text))

    gr, gr_text = _capture(growth.main, ["--sizes", sizes, "--requests", "20" if quick else "40"])
    for db, rows in gr.items():
        if len(rows) < 2:
            continue
        small, big = rows[0], rows[-1]
        for kind in ("page", "transition", "dashboard"):
            label = {"dashboard": "dashboard, figures read afresh"}.get(kind, kind)
            summary.append((f"{label}, {db}, {big['n']:,.0f} relationships", f"{big[kind]:.1f} ms",
                            f"{big[kind] / small[kind]:.2f} × at {small['n']:,.0f} (in-process)"))
        summary.append((f"dashboard / page, {db}, {big['n']:,.0f} relationships",
                        f"{big['dashboard'] / big['page']:.2f} ×", "the page render is the baseline"))
    plot_lines(PLOTS / "growth.png", "Request time as the programme grows (in-process, ms)",
               [r["n"] for r in next(iter(gr.values()))],
               {f"{kind} ({db})": [r[kind] for r in rows] for db, rows in gr.items()
                for kind in growth.KINDS}, "relationships", "ms")
    sections.append(("Growth with data size", "growth.png", gr_text))

    if importlib.util.find_spec("scipy") is not None:
        sections.append(("Matching", None, _subprocess("bench.matching", *flag)))
    if (ROOT / "bench" / "xblock.py").exists():
        sections.append(("XBlock render", None, _subprocess("bench.xblock", *flag)))

    lines = ["# Benchmarks", "",
             "<!-- Generated by `python -m bench all`; do not edit by hand. -->", "",
             f"Generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}"
             f"{' (quick run)' if quick else ''}. Every figure is compared with a baseline measured in the same run: "
             "machines like this one are noisy, so ratios are the numbers to trust.", "",
             "| what | figure | against its baseline |", "|---|---|---|"]
    lines += [f"| {what} | {figure} | {ratio} |" for what, figure, ratio in summary]
    for title, image, text in sections:
        lines += ["", f"## {title}", ""]
        if image:
            lines += [f"![{title}](benchmarks/{image})", ""]
        lines += ["```text", text.strip(), "```"]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["all"])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--output", type=Path, default=DOCS / "benchmarks.md")
    args = parser.parse_args()
    report = run_all(args.quick)
    args.output.write_text(report, encoding="utf-8")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
