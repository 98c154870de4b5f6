#!/usr/bin/env python3
"""Writes docs/benchmarks-client.md from the JSON lines of bench/client.py (one per client), given as arguments."""
import json, sys, platform, os
rows = [json.loads(r) for r in sys.argv[1:]]
bars = [
    ("idle_cpu_s_per_10s", "Idle: CPU per 10 s", "≤ 0.05 s"),
    ("idle_bytes_per_10s", "Idle: bytes written to the terminal per 10 s", "0"),
    ("key_to_screen_ms_median", "Key to screen, median (ms)", "≤ 20"),
    ("key_to_screen_ms_p90", "Key to screen, 90th percentile (ms)", ""),
    ("flood_cpu_s", "Flood (10,000 msgs at 1,000/s): client CPU (s)", "≤ the client before"),
    ("flood_seconds", "Flood: until the last message is on screen (s)", ""),
    ("flood_key_to_screen_ms_median", "Flood: key to screen while it runs, median (ms)", "≤ 20"),
    ("flood_key_to_screen_ms_max", "Flood: key to screen while it runs, worst (ms)", ""),
    ("first_frame_ms", "First frame after start (ms)", "≤ 1000"),
]
print("# The terminal client against the bars of issue 11\n")
print("Written by `bench/client.sh" + (" --before …" if len(rows) > 1 else "") + "` (each client published as README says to install it:")
print("Release, ReadyToRun; tmux 100x30, the server of this tree on loopback). Key to screen is measured as a user sees")
print("it, through one tmux control-mode client (`tmux -C`) attached for the whole run: from the `send-keys` command")
print("until tmux reads the letter in what the client writes to its terminal; tmux's own latency is in it, no process")
print("start and no polling is.\n")
print("| bar | goal | " + " | ".join(r["client"] for r in rows) + " |")
print("|---|---|" + "---|" * len(rows))
for key, name, goal in bars:
    print(f"| {name} | {goal} | " + " | ".join(str(r.get(key, "")) for r in rows) + " |")
print(f"\nMachine: {platform.machine()}, {os.cpu_count()} cores, load average at the end {open('/proc/loadavg').read().split()[0]}.")
