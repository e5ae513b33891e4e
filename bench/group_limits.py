#!/usr/bin/env python3
"""Flow control by group, measured against the real `troupe serve` over HTTP.

Each phase starts its own server (memory store, 127.0.0.1, a free port),
drives it with a few client threads, reads the jobs' own timestamps back
from the API and stops the server by its PID. Phases:

  fair      group A has a backlog, then one job of group B: how many of A's
            jobs start between B's submission and B's start (dispatch rounds
            = those starts / workers), and how long B waited
  weights   A (weight 3) and B (weight 1) both with backlogs: A's share of
            the starts while both have ready jobs
  rate      one group with rate 50 per 1000 ms, burst 5, 1,000 jobs: the most
            starts in any 1 s window, and the time from first to last start
  conc      many groups with concurrency 2: the most jobs of one group
            running at once, from each job's start and finish
  overhead  no-op jobs without limits, then with limits set that do not
            bind (same run): the throughput ratio
  memory    pending jobs of one group, then the same number in as many
            groups (all held by a default limit of concurrency 0): the
            resident memory per group

usage: bench/group_limits.py BINARY [--phases fair,weights,...] [--scale F]
--scale shrinks the job counts (e.g. 0.1 for a quick run).
"""
import argparse
import datetime
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time


class Server:
    """`troupe serve` on a free port; stopped by PID."""

    def __init__(self, binary, *flags):
        self.log = tempfile.NamedTemporaryFile(prefix="troupe-bench-", suffix=".log", delete=False)
        self.proc = subprocess.Popen(
            [binary, "serve", "--http", "127.0.0.1:0", "--store", "memory", *flags],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 20
        while time.time() < deadline:
            text = open(self.log.name).read()
            m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", text)
            if m:
                self.port = int(m.group(1))
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError("the server did not start: " + open(self.log.name).read())

    def stop(self):
        os.kill(self.proc.pid, signal.SIGTERM)
        self.proc.wait(timeout=30)
        os.unlink(self.log.name)

    def rss_bytes(self):
        for line in open(f"/proc/{self.proc.pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return 0


class Client:
    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body)
        self.conn.request(method, path, data, {"Content-Type": "application/json"})
        res = self.conn.getresponse()
        text = res.read()
        if res.status >= 300:
            raise RuntimeError(f"{method} {path}: {res.status} {text[:200]}")
        return json.loads(text)


def map_over_connections(port, items, call, threads=4):
    """`call(client, item)` for every item, from `threads` connections;
    returns the results in the items' order."""
    results = [None] * len(items)

    def run(start):
        c = Client(port)
        for i in range(start, len(items), threads):
            results[i] = call(c, items[i])

    workers = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return results


def submit_all(port, jobs):
    """Submits `jobs` (dicts); returns their ids in order."""
    return map_over_connections(port, jobs, lambda c, job: c.call("POST", "/v1/jobs", job)["id"])


def wait_all(port, ids, threads=4):
    """Long-polls every job to its end; returns their snapshots in order."""

    def until_done(c, job_id):
        while True:
            job = c.call("GET", f"/v1/jobs/{job_id}?wait_ms=30000")
            if job["status"] in ("success", "failed", "cancelled"):
                return job

    return map_over_connections(port, ids, until_done, threads)


def ms(stamp):
    return datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp() * 1000


def fair(binary, scale):
    backlog = int(20000 * scale)
    srv = Server(binary, "--workers", "2")
    try:
        c = Client(srv.port)
        a = submit_all(srv.port, [{"type": "sleep", "payload": {"ms": 1}, "group": "A"}] * backlog)
        # B arrives once A's backlog is queued and running: one job of A's
        # type, then (once it ran) one of another type.
        result = {"backlog": backlog, "workers": 2, "prefetch": 8}
        for label, job in (("same_type", {"type": "sleep", "payload": {"ms": 1}, "group": "B"}),
                           ("other_type", {"type": "echo", "payload": 1, "group": "C"})):
            b = c.call("POST", "/v1/jobs", job)["id"]
            b_job = wait_all(srv.port, [b], 1)[0]
            result[label] = b_job
        a_jobs = wait_all(srv.port, a)
    finally:
        srv.stop()
    for label in ("same_type", "other_type"):
        b_job = result[label]
        b_start = ms(b_job["started_at"])
        b_created = ms(b_job["created_at"])
        overtaking = sum(1 for j in a_jobs if b_created <= ms(j["started_at"]) < b_start)
        result[label] = {"a_starts_before_b": overtaking, "dispatch_rounds": overtaking / 2,
                         "b_wait_ms": round(b_start - b_created, 1)}
    return result


def weights(binary, scale):
    n = int(4000 * scale)
    srv = Server(binary, "--workers", "2")
    try:
        c = Client(srv.port)
        c.call("PUT", "/v1/limits/A", {"weight": 3})
        c.call("PUT", "/v1/limits/B", {"weight": 1})
        # Hold both until both backlogs are in, so they contend from the start.
        c.call("PUT", "/v1/limits/*", {"concurrency": 0})
        c.call("PUT", "/v1/limits/A", {"weight": 3, "concurrency": 0})
        c.call("PUT", "/v1/limits/B", {"weight": 1, "concurrency": 0})
        jobs = []
        for i in range(n):
            jobs.append({"type": "sleep", "payload": {"ms": 1}, "group": "A"})
            jobs.append({"type": "sleep", "payload": {"ms": 1}, "group": "B"})
        ids = submit_all(srv.port, jobs)
        c.call("PUT", "/v1/limits/A", {"weight": 3})
        c.call("PUT", "/v1/limits/B", {"weight": 1})
        done = wait_all(srv.port, ids)
    finally:
        srv.stop()
    starts = sorted((ms(j["started_at"]), j["group"]) for j in done)
    # While both have ready jobs: until A's last job started (A drains first).
    window = starts[: int(len(starts) * 0.6)]
    share = sum(1 for _, g in window if g == "A") / len(window)
    return {"jobs_per_group": n, "starts_counted": len(window), "a_share": round(share, 4)}


def rate(binary, scale):
    n = int(1000 * scale)
    srv = Server(binary, "--workers", "8")
    try:
        c = Client(srv.port)
        c.call("PUT", "/v1/limits/R", {"rate": 50, "per_ms": 1000, "burst": 5})
        ids = submit_all(srv.port, [{"type": "echo", "payload": 1, "group": "R"}] * n)
        done = wait_all(srv.port, ids)
    finally:
        srv.stop()
    starts = sorted(ms(j["started_at"]) for j in done)
    most, lo = 0, 0
    for hi in range(len(starts)):
        while starts[hi] - starts[lo] >= 1000:
            lo += 1
        most = max(most, hi - lo + 1)
    return {"jobs": n, "max_starts_in_1s": most,
            "first_to_last_start_s": round((starts[-1] - starts[0]) / 1000, 3),
            "expected_s": round((n - 5) / 50, 3)}


def conc(binary, scale):
    """Many groups (the limit rarely binds), then 3 groups on 8 workers (it
    binds all the time)."""
    result = {}
    for label, groups, per_group in (("many_groups", int(200 * scale) or 1, 50),
                                     ("three_groups", 3, int(1000 * scale) or 1)):
        srv = Server(binary, "--workers", "8")
        try:
            c = Client(srv.port)
            c.call("PUT", "/v1/limits/*", {"concurrency": 2})
            jobs = [{"type": "sleep", "payload": {"ms": 5}, "group": f"g{i % groups}"}
                    for i in range(groups * per_group)]
            ids = submit_all(srv.port, jobs)
            done = wait_all(srv.port, ids)
        finally:
            srv.stop()
        by_group = {}
        for j in done:
            by_group.setdefault(j["group"], []).append((ms(j["started_at"]), 1))
            by_group[j["group"]].append((ms(j["finished_at"]), -1))
        worst = 0
        for events in by_group.values():
            # A finish at the same millisecond as a start ends first.
            running = 0
            for _, step in sorted(events):
                running += step
                worst = max(worst, running)
        result[label] = {"groups": groups, "jobs": len(done), "max_running_in_a_group": worst}
    result["note"] = "from the jobs' own start and finish times (ms resolution)"
    return result


def overhead(binary, scale, pairs=3):
    """Runs without and with limits alternately, `pairs` times; the median
    of the ratios (the client and the machine are noisy)."""
    n = int(20000 * scale)
    ratios, rates = [], {"without": [], "with": []}
    for _ in range(pairs):
        pair = {}
        for label in ("without", "with"):
            srv = Server(binary, "--workers", "2")
            try:
                c = Client(srv.port)
                if label == "with":
                    c.call("PUT", "/v1/limits/*", {"concurrency": 100000, "weight": 2})
                    for g in range(100):
                        c.call("PUT", f"/v1/limits/g{g}", {"rate": 1000000, "burst": 1000000})
                jobs = [{"type": "echo", "payload": 1, "group": f"g{i % 100}"} for i in range(n)]
                start = time.time()
                wait_all(srv.port, submit_all(srv.port, jobs))
                pair[label] = n / (time.time() - start)
                rates[label].append(round(pair[label]))
            finally:
                srv.stop()
        ratios.append(pair["with"] / pair["without"])
    return {"jobs": n, "jobs_per_s_without": rates["without"], "jobs_per_s_with": rates["with"],
            "ratios": [round(r, 3) for r in ratios],
            "median_ratio": round(sorted(ratios)[len(ratios) // 2], 3)}


def memory(binary, scale):
    """Pending jobs wait for busy workers (each runs a long job, prefetch 0):
    first all in one group, then each in a group of its own; and the same
    with every group held at a default limit (blocked groups are also kept
    in a set)."""
    n = int(100000 * scale)
    rss = {}
    for label, group_of, paused in (("one group", lambda i: "g", False),
                                    ("a group each", lambda i: f"g{i}", False),
                                    ("a group each, at their limit", lambda i: f"g{i}", True)):
        srv = Server(binary, "--workers", "2", "--prefetch", "0", "--queue-capacity", str(n + 10))
        try:
            c = Client(srv.port)
            busy = [c.call("POST", "/v1/jobs", {"type": "sleep", "payload": {"ms": 600000}})["id"]
                    for _ in range(2)]
            while any(c.call("GET", f"/v1/jobs/{i}")["status"] != "running" for i in busy):
                time.sleep(0.05)
            if paused:
                c.call("PUT", "/v1/limits/*", {"concurrency": 0})
            base = srv.rss_bytes()
            submit_all(srv.port, [{"type": "echo", "payload": 1, "group": group_of(i)}
                                  for i in range(n)])
            rss[label] = srv.rss_bytes() - base
        finally:
            srv.stop()
    one = rss["one group"]
    return {"pending_jobs": n, "rss_growth_one_group_mib": round(one / 2**20, 1),
            "bytes_per_group": round((rss["a group each"] - one) / n),
            "bytes_per_group_at_their_limit": round((rss["a group each, at their limit"] - one) / n)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("binary")
    parser.add_argument("--phases", default="fair,weights,rate,conc,overhead,memory")
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    phases = {"fair": fair, "weights": weights, "rate": rate, "conc": conc,
              "overhead": overhead, "memory": memory}
    for name in args.phases.split(","):
        result = phases[name](args.binary, args.scale)
        print(json.dumps({"phase": name, **result}), flush=True)


if __name__ == "__main__":
    sys.exit(main())
