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
    # NAME.TARGET.json, or NAME.TARGET.rN.json for the runs of a repeated row (round N).
    repeats, rounds = {}, {}
    for path in sorted(glob.glob(os.path.join(a.results, "*.json"))):
        parts = os.path.basename(path)[:-5].split(".")
        with open(path) as f:
            run = json.load(f)
        repeats.setdefault((parts[0], parts[1]), []).append(run)
        if len(parts) > 2 and parts[2].startswith("r"):
            rounds.setdefault((parts[0], parts[1]), {})[int(parts[2][1:])] = run
    # A repeated row is its median run by server CPU per GB (the lower middle of an even count),
    # so every figure of the row comes from one run; the range goes beside it.
    runs, cpu_range = {}, {}
    for key, rs in repeats.items():
        rs = sorted(rs, key=lambda r: r.get("server_cpu_s_per_gb") or 0)
        runs[key] = rs[(len(rs) - 1) // 2]
        if len(rs) > 1:
            cpus = [r.get("server_cpu_s_per_gb") for r in rs]
            cpu_range[key] = f"{fmt(cpus[0])}–{fmt(cpus[-1])} ({len(rs)} runs)"

    # Paired ratios: within one round the two servers ran minutes apart at most, so the ratio of
    # that round is the honest comparison on a machine whose speed drifts; a run with a failed
    # viewer or publisher, or with a saturated load generator, gives no ratio.
    def void_reason(r):
        why = []
        if r is None:
            return "missing run"
        if r.get("viewers_failed"):
            why.append(f"{r['viewers_failed']} viewers failed")
        if r.get("publishers") is not None and r.get("publishers_live") is not None and r["publishers_live"] < r["publishers"]:
            why.append(f"{r['publishers'] - r['publishers_live']} publishers not live")
        if (r.get("bench_cpu_percent") or 0) >= 85:
            why.append(f"load generator at {r['bench_cpu_percent']:.0f}% of a core")
        if r.get("server_cpu_s_per_gb") is None:
            why.append("no CPU per GB")
        return "; ".join(why)

    def paired(num, den, key="server_cpu_s_per_gb"):
        """[(round, ratio or None, why)], and (median, low, high, valid count) or None."""
        out = []
        for n in sorted(set(rounds.get(num, {})) | set(rounds.get(den, {}))):
            rn, rd = rounds.get(num, {}).get(n), rounds.get(den, {}).get(n)
            why = "; ".join(w for w in (void_reason(rn), void_reason(rd)) if w)
            if not why and (rn.get(key) is None or not rd.get(key)):
                why = f"no {key}"
            out.append((n, None if why else rn[key] / rd[key], why))
        valid = sorted(v for _, v, _ in out if v is not None)
        if not valid:
            return out, None
        mid = len(valid) // 2
        median = valid[mid] if len(valid) % 2 else (valid[mid - 1] + valid[mid]) / 2
        return out, (median, valid[0], valid[-1], len(valid))

    def get(name, target, key):
        return runs.get((name, target), {}).get(key)

    lines = ["# Benchmark results", ""]
    lines.append(f"- Date: {datetime.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}")
    lines.append(f"- Machine: {machine()}")
    lines.append(f"- Commit: {commit(root)}")
    lines.append(f"- Sizes: {'QUICK (reduced) ' if a.quick == '1' else ''}viewers={a.viewers}, call rooms={a.rooms}x4, "
                 f"signalling sessions={a.sessions}, window={a.duration} s, "
                 f"CPU-per-GB rows (fanout1k and its variants, fanout, fanout-merge) run in {a.repeat} rounds, servers taking turns; "
                 f"tables show each row's median run, ratios are paired per round")
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
            ("tcp_socket_memory_growth_in_window_kb", "kernel TCP mem growth KiB"), ("bench_cpu_percent", "bench CPU %"),
            ("server_write_path", "write path")]
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

    # Paired per-round ratios.
    pairs = []
    for fan, merge in (("fanout1k", "fanout-merge1k"), ("fanout", "fanout-merge")):
        pairs.append((f"{fan}: MiniRTC / nginx-rtmp, CPU per GB", (fan, "minirtc"), (fan, "nginx"), "server_cpu_s_per_gb"))
        pairs.append((f"{fan}: MiniRTC merge 100 ms / nginx-rtmp, CPU per GB", (merge, "minirtc-merge100"), (fan, "nginx"), "server_cpu_s_per_gb"))
    for variant, what in (("minirtc-merge0", "merge window 0 (no merged writes)"), ("minirtc-sendmsg", "sendmsg (one system call per viewer)")):
        for key, label in (("server_cpu_s_per_gb", "CPU per GB"), ("latency_p99_ms", "latency p99")):
            pairs.append((f"fanout1k: {what} / MiniRTC default, {label}", ("fanout1k", variant), ("fanout1k", "minirtc"), key))
    for key, label in (("server_cpu_s_per_gb", "CPU per GB"), ("latency_p99_ms", "latency p99")):
        pairs.append((f"fanout1k: merge 100 ms / MiniRTC default, {label}", ("fanout-merge1k", "minirtc-merge100"), ("fanout1k", "minirtc"), key))
    paired_summary = {}
    table = []
    for label, num, den, key in pairs:
        per_round, summary = paired(num, den, key)
        if not per_round:
            continue
        paired_summary[(num, den, key)] = summary
        cells = ", ".join(f"r{n}: {fmt(v)}" if v is not None else f"r{n}: void ({why})" for n, v, why in per_round)
        if summary:
            med, lo, hi, count = summary
            table.append(f"| {label} | {fmt(med)} | {fmt(lo)}–{fmt(hi)} | {count} of {len(per_round)} | {cells} |")
        else:
            table.append(f"| {label} | no ratio | – | 0 of {len(per_round)} | {cells} |")
    if table:
        lines.append("## Paired ratios, round by round")
        lines.append("")
        lines.append("Each round runs every server once, one after the other; a round's ratio compares runs made "
                     "minutes apart at most. A run with a failed viewer or publisher, or a load generator at ≥ 85% "
                     "of its core, voids its round's ratio.")
        lines.append("")
        lines.append("| ratio | median | range | valid rounds | per round |")
        lines.append("|---|---|---|---|---|")
        lines.extend(table)
        lines.append("")

    def paired_median(num, den, key="server_cpu_s_per_gb"):
        summary = paired_summary.get((num, den, key))
        if summary is None and not rounds.get(num):
            # a row run once (not repeated): its single pair, still voided by failures
            rn, rd = runs.get(num), runs.get(den)
            if rn is None or rd is None or void_reason(rn) or void_reason(rd) or not rd.get(key):
                return None
            return rn[key] / rd[key]
        return summary[0] if summary else None

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
        check(f"Fan-out RTMP, {size}: CPU/GB vs nginx-rtmp (median paired ratio)", paired_median((fan, "minirtc"), (fan, "nginx")), "≤ 0.35", lambda v: v <= 0.35)
        check(f"Fan-out RTMP, {size}, merge 100 ms: CPU/GB vs nginx-rtmp (median paired ratio)", paired_median((merge, "minirtc-merge100"), (fan, "nginx")), "≤ 0.25", lambda v: v <= 0.25)
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
    lines.append("Raw JSON of each run: bench/results/ (committed with this page). Metric definitions: bench/README.md.")
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
