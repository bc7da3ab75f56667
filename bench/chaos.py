#!/usr/bin/env python3
"""The chaos run (bench/chaos.sh): two `tenure serve` and three `tenure worker` processes on one
PostgreSQL database, HR events posted at a steady rate while workers and servers are SIGKILLed
and restarted and PostgreSQL itself restarts once; then a drain, and one JSON object saying what
was lost, duplicated, never delivered or stuck.

Everything listens on 127.0.0.1 only. The event generator sends each event with its own
Idempotency-Key and retries it (on the other server) until it is answered or two minutes pass;
the webhook receiver counts deliveries by warning id and fails 5% of them on purpose, so
retries are exercised too.
"""
import argparse
import http.client
import http.server
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql(db, sql):
    out = subprocess.run(["psql", db, "-tAX", "-c", sql], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"psql: {out.stderr.strip()}")
    return [line for line in out.stdout.splitlines() if line]


class Receiver(http.server.ThreadingHTTPServer):
    """Counts warning deliveries by warning id; refuses about one in twenty."""

    daemon_threads = True

    def __init__(self, port, failure_rate, seed):
        self.lock = threading.Lock()
        self.delivered = {}
        self.refused = 0
        self.failure_rate = failure_rate
        self.random = random.Random(seed)
        super().__init__(("127.0.0.1", port), ReceiverHandler)


class ReceiverHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        server = self.server
        try:
            message = json.loads(body)
        except ValueError:
            message = {}
        with server.lock:
            fail = server.random.random() < server.failure_rate
            if message.get("type") == "warning.raised":
                if fail:
                    server.refused += 1
                else:
                    warning = message["warning"]
                    server.delivered[warning] = server.delivered.get(warning, 0) + 1
        self.send_response(500 if fail and message.get("type") == "warning.raised" else 200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class Fleet:
    """The tenure processes, restarted when killed (or when they exit on their own, as a
    supervisor such as systemd would)."""

    def __init__(self, tenure, db, out, server_ports, workers, env):
        self.tenure, self.db, self.out, self.env = tenure, db, out, env
        self.server_ports = server_ports
        self.servers = {}
        self.workers = {}
        self.worker_count = workers
        self.lock = threading.Lock()
        self.kills = {"worker": 0, "server": 0}
        self.exits_on_their_own = 0
        self.logs = []

    def _log(self, name):
        handle = open(os.path.join(self.out, f"{name}.log"), "ab")
        self.logs.append(handle)
        return handle

    def start_server(self, index):
        port = self.server_ports[index]
        log = self._log(f"serve-{index}")
        process = subprocess.Popen(
            [self.tenure, "serve", "--db", self.db, "--listen", f"127.0.0.1:{port}"],
            stdout=log, stderr=log, env=self.env)
        self.servers[index] = process

    def start_worker(self, index):
        log = self._log(f"worker-{index}")
        process = subprocess.Popen(
            [self.tenure, "worker", "--db", self.db, "--name", f"chaos-{index}-{time.time_ns()}",
             "--threads", "1", "--lease-seconds", "10",
             "--delivery-retry-ms", "1000", "--delivery-attempts", "10"],
            stdout=log, stderr=log, env=self.env)
        self.workers[index] = process

    def start(self):
        for index in range(len(self.server_ports)):
            self.start_server(index)
        for index in range(self.worker_count):
            self.start_worker(index)

    def kill_worker(self, rng):
        with self.lock:
            index = rng.randrange(self.worker_count)
            self.workers[index].send_signal(signal.SIGKILL)
            self.workers[index].wait()
            self.kills["worker"] += 1
            self.start_worker(index)

    def kill_server(self, index):
        with self.lock:
            self.servers[index].send_signal(signal.SIGKILL)
            self.servers[index].wait()
            self.kills["server"] += 1
            self.start_server(index)

    def revive(self):
        """Restarts any process that exited on its own (e.g. a server started while
        PostgreSQL was down cannot open the database and stops)."""
        with self.lock:
            for index, process in list(self.servers.items()):
                if process.poll() is not None:
                    self.exits_on_their_own += 1
                    self.start_server(index)
            for index, process in list(self.workers.items()):
                if process.poll() is not None:
                    self.exits_on_their_own += 1
                    self.start_worker(index)

    def stop(self):
        with self.lock:
            for process in list(self.servers.values()) + list(self.workers.values()):
                process.send_signal(signal.SIGTERM)
            for process in list(self.servers.values()) + list(self.workers.values()):
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
        for handle in self.logs:
            handle.close()


def wait_ready(port, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/readyz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server on port {port} never became ready")


class Generator:
    """Posts pay changes at `rate` a second; each carries a unique pay (its marker) and its own
    Idempotency-Key, and is retried on the other server until answered or given up."""

    def __init__(self, ports, token, people, rate, seconds, patience):
        self.ports, self.token, self.people = ports, token, people
        self.rate, self.seconds, self.patience = rate, seconds, patience
        self.lock = threading.Lock()
        self.accepted = {}  # marker -> event id
        self.refused = {}   # marker -> (status, body)
        self.given_up = []
        self.attempts = 0
        self.retries = 0
        self.replayed = 0
        self.sent = 0

    def post(self, port, body, key):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("POST", "/api/v1/events", body=body, headers={
            "authorization": f"Bearer {self.token}",
            "content-type": "application/json",
            "idempotency-key": key,
        })
        response = connection.getresponse()
        return response.status, response.read(), response.getheader("idempotent-replayed")

    def send(self, marker, rng):
        person = rng.choice(self.people)
        body = json.dumps({"person": person, "kind": "pay_change",
                           "values": {"pay": 4000 + marker}})
        key = str(uuid.uuid4())
        started = time.time()
        server = marker % len(self.ports)
        first = True
        while time.time() - started < self.patience:
            with self.lock:
                self.attempts += 1
                if not first:
                    self.retries += 1
            first = False
            try:
                status, answer, replayed = self.post(self.ports[server], body, key)
            except OSError:
                status, answer, replayed = None, b"", None
            if status == 202:
                with self.lock:
                    self.accepted[marker] = json.loads(answer)["event_ids"][0]
                    if replayed:
                        self.replayed += 1
                return
            if status is not None and 400 <= status < 500 and status != 429:
                with self.lock:
                    self.refused[marker] = (status, answer.decode(errors="replace")[:200])
                return
            server = (server + 1) % len(self.ports)
            time.sleep(0.25)
        with self.lock:
            self.given_up.append(marker)

    def read_scores(self, stop, rate):
        """Audited reads of people's scores alongside the events: every one answered must have
        its audit row."""
        rng = random.Random(11)
        self.reads_answered = 0
        self.reads_failed = 0
        turn = 0
        while not stop.is_set():
            person = rng.choice(self.people)
            turn += 1
            try:
                connection = http.client.HTTPConnection(
                    "127.0.0.1", self.ports[turn % len(self.ports)], timeout=10)
                connection.request("GET", f"/api/v1/people/{person}/score",
                                   headers={"authorization": f"Bearer {self.token}"})
                response = connection.getresponse()
                response.read()
                if response.status == 200:
                    self.reads_answered += 1
                else:
                    self.reads_failed += 1
            except OSError:
                self.reads_failed += 1
            time.sleep(1 / rate)

    def run(self):
        rng = random.Random(7)
        total = self.rate * self.seconds
        started = time.time()
        with ThreadPoolExecutor(max_workers=48) as pool:
            for marker in range(total):
                due = started + marker / self.rate
                pause = due - time.time()
                if pause > 0:
                    time.sleep(pause)
                pool.submit(self.send, marker, random.Random(rng.random()))
                self.sent += 1
        return time.time() - started


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tenure", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--email", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--rate", type=int, default=50)
    parser.add_argument("--pg-restart", default="pg_ctlcluster 15 main restart")
    args = parser.parse_args()

    rng = random.Random(20261206)
    receiver_port = free_port()
    receiver = Receiver(receiver_port, failure_rate=0.05, seed=1)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()

    env = dict(os.environ, TENURE_WORKERS="1", TENURE_JOB_LEASE_SECONDS="10",
               TENURE_DELIVERY_RETRY_MS="1000", TENURE_DELIVERY_ATTEMPTS="10",
               RUST_LOG=os.environ.get("RUST_LOG", "info"))

    server_ports = [free_port(), free_port()]
    fleet = Fleet(args.tenure, args.db, args.out, server_ports, 3, env)
    fleet.start()
    for port in server_ports:
        wait_ready(port)

    session = {}

    def api(method, path, body=None):
        connection = http.client.HTTPConnection("127.0.0.1", server_ports[0], timeout=30)
        headers = {"content-type": "application/json"}
        if session:
            headers.update({"cookie": f"tenure_session={session['cookie']}",
                            "x-csrf-token": session["csrf"]})
        connection.request(method, path, body=json.dumps(body) if body is not None else None,
                           headers=headers)
        response = connection.getresponse()
        data = response.read()
        if response.status >= 300:
            raise RuntimeError(f"{method} {path}: {response.status} {data[:300]!r}")
        cookie = response.getheader("set-cookie")
        if cookie and "tenure_session=" in cookie:
            session["cookie"] = cookie.split("tenure_session=")[1].split(";")[0]
        return json.loads(data) if data else None

    me = api("POST", "/api/v1/login", {"email": args.email, "password": args.password})
    session["csrf"] = me["csrf_token"]
    token = api("POST", "/api/v1/tokens", {"name": "chaos run", "scopes": ["data:write", "scores:read"],
                                           "expires_in_days": 1})["token"]
    api("POST", "/api/v1/webhooks", {"url": f"http://127.0.0.1:{receiver_port}/hook"})
    api("PUT", "/api/v1/warning-policy",
        {"rules": [{"rule": "rises_by", "points": 0.02, "days": 90}], "cooldown_days": 30})
    org_id = psql(args.db, "SELECT id FROM organizations WHERE slug = 'demo'")[0]
    # The people still employed (events about leavers are refused, rightly).
    people = psql(args.db, f"SELECT person_key FROM people WHERE org_id = {org_id} AND exit_date IS NULL ORDER BY person_key")
    first_event = int(psql(args.db, "SELECT COALESCE(MAX(id), 0) FROM events")[0])
    first_warning = int(psql(args.db, "SELECT COALESCE(MAX(id), 0) FROM warnings")[0])
    first_job = int(psql(args.db, "SELECT COALESCE(MAX(id), 0) FROM jobs")[0])
    first_audit = int(psql(args.db, f"SELECT COUNT(*) FROM audit_log WHERE org_id = {org_id} AND action = 'score.read'")[0])
    print(f"== {len(people)} people; 2 servers on {server_ports}, 3 workers; "
          f"{args.rate} events/s for {args.seconds} s", flush=True)

    generator = Generator(server_ports, token, people, args.rate, args.seconds, patience=120)
    generating = threading.Thread(target=generator.run)
    stop_reading = threading.Event()
    reading = threading.Thread(target=generator.read_scores, args=(stop_reading, 5))
    started = time.time()
    generating.start()
    reading.start()
    pg_restarted_at = None
    next_worker_kill, next_server_kill, server_turn = 20, 60, 0
    while generating.is_alive():
        elapsed = time.time() - started
        if elapsed >= next_worker_kill:
            fleet.kill_worker(rng)
            next_worker_kill += 20
        if elapsed >= next_server_kill:
            fleet.kill_server(server_turn % 2)
            server_turn += 1
            next_server_kill += 60
        if pg_restarted_at is None and elapsed >= args.seconds / 2 + 10:
            print(f"== {elapsed:.0f} s: restarting PostgreSQL", flush=True)
            t0 = time.time()
            subprocess.run(args.pg_restart, shell=True, check=True)
            pg_restarted_at = round(elapsed, 1)
            print(f"   back after {time.time() - t0:.1f} s", flush=True)
        fleet.revive()
        time.sleep(0.5)
    generating.join()
    stop_reading.set()
    reading.join()
    load_seconds = time.time() - started
    print(f"== load over after {load_seconds:.0f} s; draining", flush=True)

    # Drain: every job ends and every delivery is delivered or dead.
    drain_started = time.time()
    while time.time() - drain_started < 180:
        fleet.revive()
        busy = psql(args.db, f"SELECT (SELECT COUNT(*) FROM jobs WHERE org_id = {org_id} AND status IN ('queued', 'running')) + (SELECT COUNT(*) FROM deliveries WHERE org_id = {org_id} AND status = 'pending' AND warning_id > {first_warning})")
        if int(busy[0]) == 0:
            break
        time.sleep(1)
    drain_seconds = time.time() - drain_started
    time.sleep(1)
    fleet.stop()
    receiver.shutdown()

    # Events: each accepted marker must be in the database exactly once.
    applied = {}
    for line in psql(args.db, f"SELECT changes FROM events WHERE org_id = {org_id} AND id > {first_event}"):
        for before_after in json.loads(line).values():
            if isinstance(before_after, list) and len(before_after) == 2:
                after = before_after[1]
                if isinstance(after, (int, float)) and 4000 <= after < 4000 + args.rate * args.seconds:
                    marker = int(round(after)) - 4000
                    applied[marker] = applied.get(marker, 0) + 1
    accepted = generator.accepted
    exactly_once = sum(1 for m in accepted if applied.get(m) == 1)
    lost = sum(1 for m in accepted if applied.get(m, 0) == 0)
    duplicated = sum(1 for count in applied.values() if count > 1)
    applied_unanswered = sum(1 for m in applied if m not in accepted)

    warnings = psql(args.db, f"SELECT public_id FROM warnings WHERE org_id = {org_id} AND id > {first_warning}")
    dead = int(psql(args.db, f"SELECT COUNT(*) FROM deliveries WHERE org_id = {org_id} AND status = 'dead' AND warning_id > {first_warning}")[0])
    delivered = receiver.delivered
    stuck_jobs = int(psql(args.db, f"SELECT COUNT(*) FROM jobs WHERE status IN ('queued', 'running')")[0])
    failed_jobs = int(psql(args.db, f"SELECT COUNT(*) FROM jobs WHERE status = 'failed' AND id > {first_job}")[0])
    jobs_run = int(psql(args.db, f"SELECT COUNT(*) FROM jobs WHERE id > {first_job}")[0])
    audit_rows = int(psql(args.db, f"SELECT COUNT(*) FROM audit_log WHERE org_id = {org_id} AND action = 'score.read'")[0]) - first_audit
    verify = subprocess.run([args.tenure, "admin", "--db", args.db, "verify"], capture_output=True, text=True, env=env)
    try:
        verdict = json.loads(verify.stdout)
    except ValueError:
        verdict = {"raw": verify.stdout + verify.stderr}

    result = {
        "seconds_under_load": round(load_seconds, 1),
        "drain_seconds": round(drain_seconds, 1),
        "processes": {"servers": 2, "workers": 3, "workers_killed": fleet.kills["worker"],
                      "servers_killed": fleet.kills["server"],
                      "exited_on_their_own_and_restarted": fleet.exits_on_their_own,
                      "postgresql_restarted_at_second": pg_restarted_at},
        "events": {"sent": generator.sent, "accepted": len(accepted),
                   "applied_exactly_once": exactly_once, "lost": lost, "duplicated": duplicated,
                   "refused": len(generator.refused), "given_up_by_client": len(generator.given_up),
                   "applied_though_client_gave_up": applied_unanswered,
                   "requests": generator.attempts, "retried_requests": generator.retries,
                   "answered_as_replay": generator.replayed},
        "warnings": {"raised": len(warnings),
                     "delivered": sum(1 for w in warnings if delivered.get(w, 0) > 0),
                     "delivered_more_than_once": sum(1 for w in warnings if delivered.get(w, 0) > 1),
                     "never_delivered": sum(1 for w in warnings if delivered.get(w, 0) == 0),
                     "dead_deliveries": dead,
                     "receiver_refused_on_purpose": receiver.refused},
        "jobs": {"queued_during_the_run": jobs_run, "stuck": stuck_jobs, "failed": failed_jobs},
        "audited_reads": {"answered": generator.reads_answered,
                          "not_answered": generator.reads_failed,
                          "audit_rows": audit_rows,
                          "answered_without_an_audit_row": max(0, generator.reads_answered - audit_rows)},
        "audit_chain_verified": verify.returncode == 0,
        "verification": verdict,
    }
    print(json.dumps(result, indent=2))
    with open(os.path.join(args.out, "chaos.json"), "w") as f:
        json.dump(result, f, indent=2)
    if generator.refused:
        print("refused events (first 3):", list(generator.refused.items())[:3], file=sys.stderr)
    ok = (lost == 0 and result["warnings"]["never_delivered"] == 0 and stuck_jobs == 0
          and verify.returncode == 0 and duplicated == 0
          and result["audited_reads"]["answered_without_an_audit_row"] == 0)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
