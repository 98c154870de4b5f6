#!/usr/bin/env python3
"""
Where a cluster message's time goes, on the engine alone (bench/cluster.sh): a stream like TcpChat's (file storage,
--replicas copies) and a push consumer on it, then COUNT publishes one at a time, each timed from the publish to
  - its acknowledgement (the publish->ack round trip a node waits for before the message counts as sent), and
  - its delivery by the consumer (what a node's consumer sees),
and the same payload over core NATS (publish -> subscriber, no storage) for comparison. Prints one JSON object.
Usage: bench/cluster_probe.py --nats 127.0.0.1:4222 [--replicas 3] [--count 500] [--size 200]
"""
import argparse, json, statistics, sys, time
sys.path.insert(0, __import__("os").path.dirname(__file__))
from nats_wire import Nats


def summary(samples_ms):
    s = sorted(samples_ms)
    pick = lambda q: round(s[min(len(s) - 1, int(q * len(s)))], 3)
    return {"count": len(s), "p50": pick(0.50), "p90": pick(0.90), "p99": pick(0.99), "max": round(s[-1], 3),
            "mean": round(statistics.fmean(s), 3)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nats", required=True)
    ap.add_argument("--replicas", type=int, default=1)
    ap.add_argument("--count", type=int, default=500)
    ap.add_argument("--size", type=int, default=200)
    a = ap.parse_args()
    nc = Nats(a.nats)
    nc.sub("_INBOX.probe.>")
    config = {"name": "PROBE", "subjects": ["probe.>"], "num_replicas": a.replicas, "storage": "file"}
    deadline = time.monotonic() + 60
    while True:  # a 3-server engine may still be electing its leaders
        r = nc.request("$JS.API.STREAM.CREATE.PROBE", json.dumps(config).encode(), "_INBOX.probe.create")
        if "error" not in r:
            break
        if time.monotonic() > deadline:
            raise SystemExit(f"cannot create the probe stream: {r['error']}")
        time.sleep(0.5)
    try:
        consumer = {"stream_name": "PROBE", "config": {"deliver_subject": "probe-deliver", "ack_policy": "none",
                                                        "deliver_policy": "new"}}
        nc.sub("probe-deliver")
        r = nc.request("$JS.API.CONSUMER.CREATE.PROBE", json.dumps(consumer).encode(), "_INBOX.probe.consumer")
        if "error" in r:
            raise SystemExit(f"cannot create the probe consumer: {r['error']}")
        nc.sub("core.probe")
        payload = b"x" * a.size
        ack, deliver, core = [], [], []
        for i in range(a.count):
            start = time.perf_counter()
            nc.pub(f"probe.{i % 10}", payload, f"_INBOX.probe.{i}")
            got_ack = got_msg = None
            while got_ack is None or got_msg is None:
                subject, _, at = nc.next_msg()
                if subject == f"_INBOX.probe.{i}":
                    got_ack = at
                elif subject.startswith("probe."):  # the consumer delivers with the message's own subject
                    got_msg = at
            ack.append((got_ack - start) * 1000)
            deliver.append((got_msg - start) * 1000)
        for i in range(a.count):
            start = time.perf_counter()
            nc.pub("core.probe", payload)
            while nc.next_msg()[0] != "core.probe":
                pass
            core.append((time.perf_counter() - start) * 1000)
        print(json.dumps({"workload": "probe", "replicas": a.replicas, "size": a.size, "publishToAckMs": summary(ack),
                          "publishToConsumerMs": summary(deliver), "coreNatsMs": summary(core)}))
    finally:
        nc.request("$JS.API.STREAM.DELETE.PROBE", b"", "_INBOX.probe.delete")


if __name__ == "__main__":
    main()
