#!/usr/bin/env python3
"""Plots the README's alerting picture from real guest data.

    scripts/alerting/plot.py RECORDING.json.gz REPLAY.json OUTPUT.png

RECORDING is what scripts/alerting/record.sh wrote (testdata/alert-replay/guests.json.gz);
REPLAY is the replay.json that provisioning/alert_replay_test.go writes into
$VMT_REPLAY_OUT. For each rate rule: the windowed angle of every VM over time
(docs/CONTRACT.md, "Windowed rates", computed here from the samples), the rule's
threshold and recovery threshold, and where its instances fired and resolved.
Needs matplotlib (pip install matplotlib).
"""
import gzip
import json
import math
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COLUMNS = {"cpu_usage_percent": 1, "memory_usage_percent": 2}
COLOURS = {"idle": "tab:green", "cpu": "tab:orange", "ramp": "tab:red", "memclimb": "tab:blue"}
# The console line a guest prints when its load starts to climb (scripts/guest/init.sh).
CLIMB_EVENTS = {"cpu_usage_percent": "ramp: rising", "memory_usage_percent": "memclimb: rising"}


def windowed_angles(samples, column, window, gap_limit=10.0):
    """The contract's windowed rate: each sample against the newest one at or before t - W."""
    points = [(s[0] / 1000.0, s[column]) for s in samples if s[column] is not None]
    out = []
    j = -1
    for i, (t, v) in enumerate(points):
        while j + 1 < i and points[j + 1][0] <= t - window:
            j += 1
        if j < 0 or points[j][0] > t - window:
            continue
        if any(points[k][0] - points[k - 1][0] > gap_limit for k in range(j + 1, i + 1)):
            continue
        t0, v0 = points[j]
        out.append((t, math.degrees(math.atan((v - v0) / (t - t0)))))
    return out


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    recording = json.load(gzip.open(sys.argv[1]))
    replay = json.load(open(sys.argv[2]))
    rate_rules = [r for r in replay if r["query"].get("rateWindowSeconds") and r["query"]["outputs"] == ["rate"]]
    start = min(s[0] for vm in recording["vms"] for s in vm["samples"]) / 1000.0
    fig, axes = plt.subplots(len(rate_rules), 1, figsize=(13, 4.2 * len(rate_rules)), sharex=True)
    for ax, rule in zip(axes, rate_rules):
        metric = rule["query"]["metrics"][0]
        window = rule["query"]["rateWindowSeconds"]
        condition = rule["threshold"]["conditions"][0]
        threshold = condition["evaluator"]["params"][0]
        for vm in sorted(recording["vms"], key=lambda v: v["load"]):
            angles = windowed_angles(vm["samples"], COLUMNS[metric], window)
            ax.plot([(t - start) / 60 for t, _ in angles], [a for _, a in angles],
                    color=COLOURS.get(vm["load"], "grey"), linewidth=1, label=f'{vm["vm"]} ({vm["load"]})')
            for event in vm.get("events", []):
                if event["line"].startswith(CLIMB_EVENTS[metric]):
                    ax.axvline((event["time_ms"] / 1000.0 - start) / 60, color="grey", linestyle=":", linewidth=1)
        ax.axhline(threshold, color="black", linestyle="--", linewidth=1, label=f"threshold {threshold}°")
        if "unloadEvaluator" in condition:
            recovery = condition["unloadEvaluator"]["params"][0]
            ax.axhline(recovery, color="black", linestyle=":", linewidth=1, label=f"recovery below {recovery}°")
        fired = [c for c in rule["transitions"] if c["to"] == "Alerting" and c["from"] != "Recovering"]
        resolved = [c for c in rule["transitions"] if c["to"] == "Normal" and c["from"] in ("Alerting", "Recovering")]
        ax.scatter([(c["time_ms"] / 1000.0 - start) / 60 for c in fired], [threshold] * len(fired),
                   marker="v", s=90, color="crimson", zorder=5, label="fired (Alerting)")
        ax.scatter([(c["time_ms"] / 1000.0 - start) / 60 for c in resolved], [threshold] * len(resolved),
                   marker="^", s=90, color="seagreen", zorder=5, label="resolved (Normal)")
        ax.set_ylabel(f"{metric}_rate over {window:g} s (°)")
        ax.set_title(f'{rule["uid"]}: angle of the {window:g}-s window, dotted lines = climb starts', fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    axes[-1].set_xlabel(f'minutes since the first sample (real QEMU guests recorded {recording["recorded"]})')
    fig.tight_layout()
    fig.savefig(sys.argv[3], dpi=90)


if __name__ == "__main__":
    main()
