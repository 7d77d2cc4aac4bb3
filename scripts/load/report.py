"""Figures: per-kind rows, percentiles, and printing them with the CPU and the errors."""

import math
import os
from dataclasses import dataclass

from load.runner import Run


def percentile(ordered: list[float], q: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[max(math.ceil(q * len(ordered)) - 1, 0)]


@dataclass
class Row:
    label: str
    requests: int
    rps: float
    p50: float
    p95: float
    p99: float
    errors: int

    @classmethod
    def of(cls, label: str, samples: list[list], seconds: float) -> "Row":
        times = sorted(s[4] for s in samples)
        return cls(
            label,
            len(samples),
            len(samples) / seconds if seconds else 0.0,
            percentile(times, 0.50),
            percentile(times, 0.95),
            percentile(times, 0.99),
            sum(1 for s in samples if s[6]),
        )


KINDS = [
    # (who, method, request name or its start, label), first match wins.
    ("*", "GET", "/", "Home page"),
    ("*", "GET", "/hubs/", "Hub list"),
    ("*", "GET", "/hubs/[slug]/", "Hub page"),
    ("*", "GET", "/workgroups/ (first visit)", "Work Groups: first visit (this year)"),
    ("*", "GET", "/workgroups/?*&page=n", "Work Groups: a later page"),
    ("*", "GET", "/workgroups/?*", "Work Groups: filtered"),
    ("*", "GET", "/workgroups/[slug]/", "Work Group page"),
    ("teacher", "GET", "/my/workgroups/", "My Work Groups"),
    ("teacher", "POST", "/workgroups/[slug]/join/", "Join (POST)"),
    ("teacher", "POST", "/my/enrolments/[id]/withdraw/", "Withdraw (POST)"),
    ("floor", "GET", "/livez", "/livez"),
]


def kind_of(who: str, method: str, name: str) -> str:
    for k_who, k_method, pattern, label in KINDS:
        if k_who not in ("*", who) or k_method != method:
            continue
        if pattern.endswith("*&page=n"):
            matched = name.startswith(pattern[:-8]) and name.endswith("&page=n")
        elif pattern.endswith("*"):
            matched = name.startswith(pattern[:-1])
        else:
            matched = name == pattern
        if matched:
            return label
    return f"{method} {name}"


def rows_for(run: Run, *, detail: bool) -> list[Row]:
    """One row per request name (``detail``) or per kind of page, for each kind of user."""
    groups: dict[tuple, list] = {}
    for sample in run.measured():
        who, method, name = sample[1], sample[2], sample[3]
        key = (who, f"{method:<4} {name}") if detail else (who, kind_of(who, method, name))
        groups.setdefault(key, []).append(sample)
    order = {"public": 0, "teacher": 1, "floor": 2}
    labels = [label for *_, label in KINDS]
    rows = []
    for (who, label), samples in sorted(
        groups.items(),
        key=lambda item: (
            order.get(item[0][0], 9),
            labels.index(item[0][1]) if item[0][1] in labels else 99,
            item[0][1],
        ),
    ):
        rows.append(Row.of(f"{who:<7} {label}", samples, run.seconds))
    return rows


def summary_rows(run: Run) -> list[Row]:
    measured = run.measured()
    public = [s for s in measured if s[1] == "public"]
    teacher = [s for s in measured if s[1] == "teacher"]
    rows = []
    if public:
        rows.append(Row.of("Public pages overall (anonymous)", public, run.seconds))
    if teacher:
        rows.append(Row.of("Teacher requests overall (logged in)", teacher, run.seconds))
    rows.append(Row.of("All requests", measured, run.seconds))
    return rows


def print_table(rows: list[Row], *, markdown: bool, title: str = "") -> None:
    if title:
        print(f"\n{title}")
    if markdown:
        print("| Requests | n | req/s | p50 ms | p95 ms | p99 ms | errors |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for r in rows:
            who, _, rest = r.label.partition(" ")
            label = f"{who}: {rest.strip()}" if who in ("public", "teacher", "floor") else r.label
            print(
                f"| {label} | {r.requests:,} | {r.rps:.1f} | {r.p50:.0f} | {r.p95:.0f} | "
                f"{r.p99:.0f} | {r.errors} |"
            )
        return
    print(f"{'Requests':<58} {'n':>6} {'req/s':>6} {'p50':>6} {'p95':>6} {'p99':>6} {'errors':>6}")
    for r in rows:
        print(
            f"{r.label:<58} {r.requests:>6,} {r.rps:6.1f} {r.p50:6.0f} {r.p95:6.0f} {r.p99:6.0f} "
            f"{r.errors:>6}"
        )


def print_errors(run: Run) -> int:
    errors: dict[str, int] = {}
    for sample in run.samples:  # the whole run, warm-up included
        if sample[6]:
            key = f"{sample[2]} {sample[3]}: {sample[6]}"
            errors[key] = errors.get(key, 0) + 1
    for key, n in sorted(errors.items(), key=lambda item: -item[1])[:15]:
        print(f"  error x{n}: {key}")
    return sum(errors.values())


def print_cpu(run: Run) -> None:
    if not run.cpu:
        return
    c = run.cpu
    server = "n/a (not started here)" if c["server"] is None else f"{c['server']:.0f}%"
    print(
        f"CPU over the measured window (share of {os.cpu_count()} cores): machine "
        f"{c['machine']:.0f}% = make serve {server} + PostgreSQL {c['postgres']:.0f}% "
        f"+ locust {c['locust']:.0f}% + other {c['other']:.0f}% "
        f"(machine {run.busy_before:.0f}% busy just before the run)."
    )
    requests = len(run.measured())
    if requests:
        # Core-milliseconds per request: what each request costs, whatever else runs.
        per = {
            key: c[key] / 100 * (os.cpu_count() or 1) * run.seconds * 1000 / requests
            for key in ("server", "postgres")
            if c[key] is not None
        }
        print(
            "CPU per request: "
            + " + ".join(
                f"{'make serve' if key == 'server' else 'PostgreSQL'} {ms:.1f} ms"
                for key, ms in per.items()
            )
            + "."
        )
    if c["other"] > 20:
        print(
            f"  Other work took {c['other']:.0f}% of the machine during this run: its "
            "latencies are not those of a quiet machine."
        )


def print_logins_and_outcomes(run: Run) -> None:
    logins = [s for s in run.samples if s[3] == "/account/login/" and s[2] == "POST"]
    if logins:
        times = sorted(s[4] for s in logins)
        print(
            f"Log-ins (warm-up, not in the table): {len(logins)}, median {percentile(times, 0.5):.0f}"
            f" ms, slowest {times[-1]:.0f} ms, errors {sum(1 for s in logins if s[6])} "
            "(the password hash is deliberately slow)."
        )
    counts: dict[str, int] = {}
    for _, kind, _ in run.outcomes:
        counts[kind] = counts.get(kind, 0) + 1
    if counts:
        print(
            "Teachers' joins and withdrawals (whole run): "
            + ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))
        )
