#!/usr/bin/env python3
"""Writes docs/benchmarks-cluster.md from the JSON lines bench/cluster.sh collected (one run per line)."""
import argparse, json, os, platform, subprocess


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=30).stdout.strip()
    except subprocess.SubprocessError:
        return "?"


def f(x, fmt="{:,.1f}"):
    return "-" if x is None else fmt.format(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", required=True)
    ap.add_argument("--notes", default=os.path.join(os.path.dirname(__file__), "cluster-notes.md"))
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    rows = [json.loads(l) for l in open(a.results) if l.strip()]
    meta = next(r["result"] for r in rows if r["result"].get("workload") == "meta")
    names = dict(p.split("=", 1) for p in meta["names"].split())
    by = lambda workload: [r for r in rows if r["result"].get("workload") == workload]
    md = []
    w = md.append
    w("# TcpChat in cluster mode: benchmarks")
    w("")
    w("Written by `bench/cluster.sh` (issue 14): three TcpChat nodes on NATS JetStream beside one TcpChat server, on one")
    w("machine, everything on loopback. The load generator's receivers go round-robin over the nodes, its sender on the first")
    w("(`tcpchat-bench --targets`); the CPU of every process of the system under test is read from `/proc/<pid>/stat` before")
    w("and after each measured step (`--server-pid` and `--system-pids`). Systems:")
    w("")
    w("- `single-sqlite`: one server, history in SQLite (the default, and the fair baseline: the cluster stores every message")
    w("  too, in JetStream's file store);")
    w("- `single-none`: one server with `--no-history` (history in memory only);")
    w("- `cluster-engine1`: 3 nodes on one nats-server, `--cluster-replicas 1`;")
    w("- `cluster-engine3`: 3 nodes on three nats-servers (a JetStream cluster), `--cluster-replicas 3`: a message counts as")
    w("  stored once two of three servers have it.")
    w("")
    w("## Machine")
    w("")
    model = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2")
    mem_gib = int(sh("awk '/MemTotal/ {print $2}' /proc/meminfo") or 0) / 1048576
    w(f"- {sh('nproc')} cores: {model}; {mem_gib:.1f} GiB RAM; Linux {platform.release()}")
    w(f"- .NET {sh('dotnet --version')}; {sh('nats-server --version')} (Debian's package); Python {platform.python_version()}")
    w(f"- run started {meta.get('started', '?')}; settings: `{meta['settings']}`")
    w("- the machine is shared (other builds and test suites ran at the same time): every figure has the load average (1, 5,")
    w("  15 min) read just before it, and the bench's own estimate of the CPU other processes took meanwhile (`other cores`).")
    w("")

    w("## (a) Fan-out: 1 sender, receivers spread over the nodes")
    w("")
    w("Open loop, each rate for the step time, in turn until one fails (a loss, a gap, a disconnect, or p99 over 500 ms).")
    w("`CPU/delivery` is the CPU of the whole system under test (every node and nats-server) per delivery, at the best step.")
    w("")
    w("| system | nodes | receivers | best msg/s | deliveries/s | p50 ms | p99 ms | CPU/delivery | first failure | other cores | load before |")
    w("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in by("fanout"):
        x = r["result"]
        b = x.get("best") or {}
        failed = [s for s in x.get("steps", []) if not s.get("passed")]
        why = f"{failed[0]['rate']:.0f} msg/s: {failed[0]['failure']}" if failed else "none"
        lat = b.get("latencyMs", {})
        w(f"| {r['system']} | {x.get('nodes', '-')} | {x.get('receivers', '-')} | {f(b.get('rate'), '{:.0f}')} | "
          f"{f(b.get('deliveriesPerSecond'), '{:,.0f}')} | {f(lat.get('p50'), '{:.2f}')} | {f(lat.get('p99'), '{:.2f}')} | "
          f"{f(b.get('cpuNsPerDelivery'), '{:,.0f} ns')} | {why} | {f(b.get('otherCores'), '{:.2f}')} | {r['load']} |")
    w("")

    w("## (b) Latency at a fixed rate, across nodes")
    w("")
    w("Send-to-receive time of every delivery, from the message's scheduled send time (a stall delays the measured")
    w("messages, it does not slow the sending).")
    w("")
    w("| system | nodes | receivers | msg/s | p50 ms | p99 ms | p99.9 ms | max ms | deliveries | lost | CPU/delivery | load before |")
    w("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in by("latency"):
        x = r["result"]
        lat = x.get("latencyMs", {})
        w(f"| {r['system']} | {x.get('nodes', '-')} | {x.get('receivers', '-')} | {f(x.get('rate'), '{:.0f}')} | "
          f"{f(lat.get('p50'), '{:.2f}')} | {f(lat.get('p99'), '{:.2f}')} | {f(lat.get('p999'), '{:.2f}')} | "
          f"{f(lat.get('max'), '{:.2f}')} | {x.get('delivered', '-'):,} | {x.get('lost', '-')} | "
          f"{f(x.get('cpuNsPerDelivery'), '{:,.0f} ns')} | {r['load']} |")
    w("")

    w("## What the engine costs per message")
    w("")
    w("From the latency runs (a fixed rate, so every system did the same work): CPU seconds of each process during the")
    w("measured step, per message sent and per delivery. `nodes` is the TcpChat processes together; `extra` is what the")
    w("nodes spend per delivery beyond the single server with SQLite history.")
    w("")
    w("| system | sent | deliveries | process CPU s | nats-server µs/message | nodes ns/delivery | extra ns/delivery | whole system µs/message |")
    w("|---|---|---|---|---|---|---|---|")
    base = None
    for r in by("latency"):
        x = r["result"]
        if r["system"] == "single-sqlite" and x.get("cpuSecondsByPid"):
            base = sum(x["cpuSecondsByPid"].values()) * 1e9 / max(1, x["delivered"])
    for r in by("latency"):
        x = r["result"]
        per = x.get("cpuSecondsByPid") or {}
        if not per:
            continue
        nats = sum(v for p, v in per.items() if names.get(p, "").startswith("nats"))
        nodes = sum(v for p, v in per.items() if not names.get(p, "").startswith("nats"))
        sent, delivered = max(1, x.get("sent") or 0), max(1, x["delivered"])
        procs = ", ".join(f"{names.get(p, p)} {v:.2f}" for p, v in sorted(per.items(), key=lambda kv: names.get(kv[0], kv[0])))
        node_ns = nodes * 1e9 / delivered
        w(f"| {r['system']} | {x.get('sent', '-'):,} | {x['delivered']:,} | {procs} | {nats * 1e6 / sent:,.0f} | {node_ns:,.0f} | "
          f"{f(node_ns - base if base is not None else None, '{:+,.0f}')} | {(nats + nodes) * 1e6 / sent:,.0f} |")
    w("")

    w("## Where the time goes: the engine alone")
    w("")
    w("`bench/cluster_probe.py` on each engine after the workloads: a stream like TcpChat's (file storage, same replicas) with")
    w("a push consumer; 500 publishes of 200 bytes one at a time, each timed from the publish to its acknowledgement (what a")
    w("node waits for before a message counts as sent) and to the consumer's delivery (what every node's consumer receives);")
    w("and core NATS publish->subscriber (no storage) for comparison. A TcpChat message crosses: sender -> node (TCP), node ->")
    w("engine publish and ack, engine -> each node's consumer, node -> its receivers (TCP).")
    w("")
    w("| engine | publish->ack p50 / p99 ms | publish->consumer p50 / p99 ms | core NATS p50 / p99 ms | load before |")
    w("|---|---|---|---|---|")
    for r in by("probe"):
        x = r["result"]
        g = lambda k: f"{x[k]['p50']:.3f} / {x[k]['p99']:.3f}"
        w(f"| {r['system']} (replicas {x['replicas']}) | {g('publishToAckMs')} | {g('publishToConsumerMs')} | {g('coreNatsMs')} | {r['load']} |")
    w("")

    w("## The stall when the stream's leader nats-server is killed")
    w("")
    w("`bench/cluster_stall.py` on `cluster-engine3`: a sender on node 1 at 50 msg/s, a receiver on node 2; after 3 s the")
    w("nats-server leading the TCPCHAT stream is killed (SIGKILL), the run goes on 10 s, then the server is started again")
    w("and the next run kills whichever leads then. `election` is the kill to the survivor's log line \"new stream leader for")
    w("'$G > TCPCHAT'\" (the log's clock, ms resolution); `consumer elections` the TCPCHAT consumer leaders elected after")
    w("the kill; `longest gap` the longest time between two deliveries at the receiver.")
    w("")
    w("| run | killed | election s | consumer elections s | longest gap s | gap starts after kill s | sent | refused | lost untold | duplicates | sender errors | load before |")
    w("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in by("stall"):
        for x in r["result"]["runs"]:
            ce = ", ".join(f"{c:.2f}" for c in x["consumerElectionsSeconds"]) or "none"
            errs = "; ".join(x["senderErrors"]) or "none"
            w(f"| {x['run']} | {x['killed']} | {f(x['electionSeconds'], '{:.3f}')} | {ce} | {f(x['longestGapSeconds'], '{:.3f}')} | "
              f"{f(x['gapStartsAfterKillSeconds'], '{:.2f}')} | {x['sent']} | {x['refused']} | {x['lostUntold']} | {x['duplicates']} | {errs} | {r['load']} |")
    w("")
    if os.path.exists(a.notes):
        w(open(a.notes).read().rstrip())
        w("")
    w("## Commands")
    w("")
    w("```sh")
    w("bench/cluster.sh")
    w(meta["commands"].rstrip())
    w("```")
    w("")
    with open(a.out, "w") as out:
        out.write("\n".join(md))


if __name__ == "__main__":
    main()
