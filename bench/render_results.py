#!/usr/bin/env python3
"""Turns bench/out/results/*.json (one per scenario and target) into bench/RESULTS.md.

Everything above the line '<!-- notes -->' is regenerated; the hand-written notes below it
(profiles, explanations) are kept.
"""
import argparse
import datetime
import glob
import json
import os
import platform
import subprocess

MARK = "<!-- notes -->"


def machine():
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs, {model}, {platform.system()} {platform.release()}"


def commit(root):
    try:
        rev = subprocess.check_output(["git", "-C", root, "rev-parse", "--short", "HEAD"], text=True).strip()
        dirty = subprocess.call(["git", "-C", root, "diff", "--quiet", "HEAD"]) != 0
        return rev + ("+uncommitted changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "?"


def fmt(v):
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.3f}".rstrip("0").rstrip(".") if abs(v) < 1000 else f"{v:.0f}"
    return str(v)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("out")
    ap.add_argument("--quick", default="0")
    ap.add_argument("--server-build", default="?")
    ap.add_argument("--viewers")
    ap.add_argument("--rooms")
    ap.add_argument("--sessions")
    ap.add_argument("--duration")
    ap.add_argument("--repeat", default="1")
    a = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(a.out)))
    # NAME.TARGET.json, or NAME.TARGET.rN.json for the runs of a repeated row.
    repeats = {}
    for path in sorted(glob.glob(os.path.join(a.results, "*.json"))):
        parts = os.path.basename(path)[:-5].split(".")
        with open(path) as f:
            repeats.setdefault((parts[0], parts[1]), []).append(json.load(f))
    # A repeated row is its median run by server CPU per GB (the lower middle of an even count),
    # so every figure of the row comes from one run; the range goes beside it.
    runs, cpu_range = {}, {}
    for key, rs in repeats.items():
        rs = sorted(rs, key=lambda r: r.get("server_cpu_s_per_gb") or 0)
        runs[key] = rs[(len(rs) - 1) // 2]
        if len(rs) > 1:
            cpus = [r.get("server_cpu_s_per_gb") for r in rs]
            cpu_range[key] = f"{fmt(cpus[0])}–{fmt(cpus[-1])} ({len(rs)} runs)"

    def get(name, target, key):
        return runs.get((name, target), {}).get(key)

    lines = ["# Benchmark results", ""]
    lines.append(f"- Date: {datetime.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}")
    lines.append(f"- Machine: {machine()}")
    lines.append(f"- Commit: {commit(root)}")
    lines.append(f"- Sizes: {'QUICK (reduced) ' if a.quick == '1' else ''}viewers={a.viewers}, call rooms={a.rooms}x4, "
                 f"signalling sessions={a.sessions}, window={a.duration} s, "
                 f"CPU-per-GB rows (fanout1k, fanout, fanout-merge) run {a.repeat} times, servers taking turns, median run shown")
    lines.append(f"- MiniRTC server binary: {a.server_build}")
    lines.append("- Server pinned to CPU 0, load generator (`minirtc bench`) to CPU 1; loopback.")
    lines.append("- nginx: Debian nginx-light + libnginx-mod-rtmp, one worker, `chunk_size 60000`, otherwise defaults "
                 "(bench/nginx.conf.in). nginx-rtmp has no HTTP-FLV or signalling: those rows are MiniRTC only.")
    lines.append("")

    # Comparison table for media scenarios.
    cols = [("viewers_connected", "connected"), ("viewers_failed", "failed"), ("delivered_mbps", "Mbit/s"),
            ("latency_p50_ms", "lat p50 ms"), ("latency_p99_ms", "lat p99 ms"), ("latency_max_ms", "lat max ms"),
            ("latency_at_read_p99_ms", "lat p99 at read ms"),
            ("first_frame_p99_ms", "1st frame p99 ms"), ("first_frame_all_p99_ms", "1st frame p99 all, at read ms"), ("first_frame_not_keyframe", "1st frame not key"),
            ("server_cpu_s_per_gb", "server CPU s/GB"), ("server_kb_per_viewer", "server KiB/viewer"),
            ("server_rss_growth_in_window_kb", "RSS growth KiB"),
            ("server_send_queue_growth_in_window_kb", "server send queues growth KiB"),
            ("tcp_socket_memory_growth_in_window_kb", "kernel TCP mem growth KiB"), ("bench_cpu_percent", "bench CPU %")]
    media = [k for k in runs if runs[k].get("scenario") != "signal"]
    if media:
        lines.append("## Media scenarios")
        lines.append("")
        lines.append("| scenario | target | " + " | ".join(c[1] for c in cols) + " | server CPU s/GB, all runs |")
        lines.append("|---|---|" + "---|" * len(cols) + "---|")
        for (name, target) in media:
            r = runs[(name, target)]
            lines.append(f"| {name} ({r.get('viewer_protocol')}, {r.get('viewers')} viewers) | {target} | " +
                         " | ".join(fmt(r.get(c[0])) for c in cols) + f" | {cpu_range.get((name, target), 'one run')} |")
        lines.append("")
        slow = [k for k in media if runs[k].get("slow_viewers")]
        for k in slow:
            r = runs[k]
            lines.append(f"Slow viewers ({k[1]}): {r.get('slow_viewers')} viewers reading at 1/4 of the stream rate got "
                         f"{fmt(r.get('slow_viewers_mbps'))} Mbit/s in total, their latency p99 {fmt(r.get('slow_latency_p99_ms'))} ms.")
        if slow:
            lines.append("")

    sig = runs.get(("signal", "minirtc"))
    if sig:
        lines.append("## Signalling")
        lines.append("")
        keys = ["sessions", "sessions_joined", "sessions_failed", "join_p50_ms", "join_p99_ms", "join_max_ms",
                "event_peer_online_p99_ms", "event_peer_leave_p50_ms", "event_peer_leave_p99_ms", "ping_p99_ms",
                "server_kb_per_session", "server_rss_growth_while_idle_kb", "bench_cpu_percent"]
        lines.append("| " + " | ".join(keys) + " |")
        lines.append("|" + "---|" * len(keys))
        lines.append("| " + " | ".join(fmt(sig.get(k)) for k in keys) + " |")
        lines.append("")

    # The figures of the issue.
    checks = []

    def ratio(a_, b_):
        return a_ / b_ if a_ is not None and b_ not in (None, 0) else None

    def check(label, value, target, ok):
        checks.append((label, fmt(value), target, "–" if value is None else ("met" if ok(value) else "MISSED")))

    # The fan-out figures at both sizes: "fanout1k"/"fanout-merge1k" (1,000 viewers) and
    # "fanout"/"fanout-merge" (the run's --viewers, 3,000 by default).
    for fan, merge in (("fanout1k", "fanout-merge1k"), ("fanout", "fanout-merge")):
        if (fan, "minirtc") not in runs:
            continue
        size = f"{get(fan, 'minirtc', 'viewers')} viewers"
        n_gb = get(fan, "nginx", "server_cpu_s_per_gb")
        check(f"Fan-out RTMP, {size}: CPU/GB vs nginx-rtmp", ratio(get(fan, "minirtc", "server_cpu_s_per_gb"), n_gb), "≤ 0.35", lambda v: v <= 0.35)
        check(f"Fan-out RTMP, {size}, merge 100 ms: CPU/GB vs nginx-rtmp", ratio(get(merge, "minirtc-merge100", "server_cpu_s_per_gb"), n_gb), "≤ 0.25", lambda v: v <= 0.25)
        check(f"Fan-out RTMP, {size}: latency p99 (ms)", get(fan, "minirtc", "latency_p99_ms"), "≤ 50", lambda v: v <= 50)
        check(f"Fan-out RTMP, {size}: first frame p99 (ms)", get(fan, "minirtc", "first_frame_p99_ms"), "≤ 60", lambda v: v <= 60)
        check(f"Fan-out RTMP, {size}: first frames not keyframes", get(fan, "minirtc", "first_frame_not_keyframe"), "0", lambda v: v == 0)
        check(f"Fan-out RTMP, {size}: server KiB per viewer", get(fan, "minirtc", "server_kb_per_viewer"), "≤ 30", lambda v: v <= 30)
        check(f"Fan-out RTMP, {size}: failed viewers", get(fan, "minirtc", "viewers_failed"), "0", lambda v: v == 0)
    check("Calls: latency p99 (ms)", get("calls", "minirtc", "latency_p99_ms"), "≤ 50", lambda v: v <= 50)
    check("Calls: failed viewers", get("calls", "minirtc", "viewers_failed"), "0", lambda v: v == 0)
    base99 = get("fanout", "minirtc", "latency_p99_ms")
    check("Slow viewers: normal p99 / fan-out p99", ratio(get("slow", "minirtc", "latency_p99_ms"), base99), "≤ 1.10", lambda v: v <= 1.10)
    check("Slow viewers: RSS growth in window (KiB)", get("slow", "minirtc", "server_rss_growth_in_window_kb"), "≈ 0 (flat)", lambda v: v <= 2048)
    # Socket buffers are kernel memory, outside RSS. The server's own side: its sockets' send queues
    # (the machine's TCP memory also holds the load generator's receive queues, which grow whenever
    # the load generator reads late, and is in the table for reference).
    check("Slow viewers: server's kernel send queues, growth in window (KiB)",
          get("slow", "minirtc", "server_send_queue_growth_in_window_kb"), "≈ 0 (flat)", lambda v: v <= 8192)
    check("Signalling: sessions joined", get("signal", "minirtc", "sessions_joined"), f"= {a.sessions}", lambda v: str(v) == str(a.sessions))
    check("Signalling: join p99 (ms)", get("signal", "minirtc", "join_p99_ms"), "≤ 50", lambda v: v <= 50)
    check("Signalling: event delivery p99 (ms, peerLeave)", get("signal", "minirtc", "event_peer_leave_p99_ms"), "≤ 20", lambda v: v <= 20)
    check("Signalling: KiB per idle session", get("signal", "minirtc", "server_kb_per_session"), "≤ 20", lambda v: v <= 20)
    lines.append("## Figures of the issue")
    lines.append("")
    lines.append("| figure | measured | target | |")
    lines.append("|---|---|---|---|")
    for c in checks:
        lines.append("| " + " | ".join(c) + " |")
    lines.append("")
    warn = [(k, w) for k, r in runs.items() for w in r.get("warnings", [])]
    if warn:
        lines.append("Load generator warnings:")
        lines.append("")
        for (name, target), w in warn:
            lines.append(f"- {name} ({target}): {w}")
        lines.append("")
    fails = [(k, r[f]) for k, r in runs.items() for f in ("viewer_failure_reasons", "publisher_failure_reasons", "session_failure_reasons") if r.get(f)]
    if fails:
        lines.append("Failure reasons:")
        lines.append("")
        for (name, target), why in fails:
            lines.append(f"- {name} ({target}): {why}")
        lines.append("")
    lines.append("Raw JSON of each run: bench/out/results/ (not committed). Metric definitions: bench/README.md.")
    lines.append("")

    notes = MARK + "\n"
    if os.path.exists(a.out):
        with open(a.out) as f:
            old = f.read()
        if MARK in old:
            notes = old[old.index(MARK):]
    with open(a.out, "w") as f:
        f.write("\n".join(lines) + "\n" + notes)


if __name__ == "__main__":
    main()
