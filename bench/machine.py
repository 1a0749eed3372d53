"""The machine during a load test (bench/load.py): is the run noisy, and what is the bottleneck?

The load average, the CPU split of /proc/stat (busy, steal), the CPU ticks of processes, gunicorn's
accept queue, and `Watch`, which samples all that once a second in a greenlet beside the users.
Import it after locust (bench/locustfile.py), which patches the standard library for gevent.
"""

import os
import time
from pathlib import Path

import gevent
import psycopg

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def cpu_counters() -> list[int]:
    """The machine's CPU time so far in ticks (/proc/stat): user nice system idle iowait irq softirq steal."""
    return [int(n) for n in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]


def cpu_split(before: list[int], after: list[int]) -> dict:
    """Busy and steal between two readings, in % of all cores (steal: time the hypervisor gave to others)."""
    delta = [b - a for a, b in zip(before, after, strict=True)]
    total = sum(delta) or 1
    return {"busy": 100 * (total - delta[3] - delta[4] - delta[7]) / total, "steal": 100 * delta[7] / total,
            "ticks": total - delta[7]}


def process_ticks(pid: int, children: bool = False) -> int:
    """CPU ticks a process used (with `children`, also those of its children it has reaped: gunicorn's
    recycled workers); 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12]) + (int(fields[13]) + int(fields[14]) if children else 0)


def child_pids(parent: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == parent:
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


def postgres_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


def runnable() -> int:
    """Processes running or waiting for a core right now (/proc/stat procs_running): above the core count, the CPU queues."""
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith("procs_running"):
            return int(line.split()[1])
    return 0


def accept_queue(port: int) -> int:
    """Connections that reached gunicorn's listening socket and wait for a free worker to accept them
    (the rx_queue of a listening socket in /proc/net/tcp is its accept backlog)."""
    local = f"0100007F:{port:04X}"
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1] == local and fields[3] == "0A":
            return int(fields[4].split(":")[1], 16)
    return 0


class Watch:
    """Samples the machine once a second while the figures are measured (a greenlet beside the users):
    `postgres` is the server's address (postgres://user:password@host:port), `database` the one the server uses."""

    def __init__(self, server_pid: int, port: int, postgres: str, database: str):
        self.server_pid, self.port, self.database_name = server_pid, port, database
        self.samples: list[dict] = []
        self.backend_ticks: dict[int, tuple[int, int]] = {}  # this database's backends: pid → (first, last) ticks
        self.other_postgres: dict[int, tuple[int, int]] = {}
        self.database = psycopg.connect(f"{postgres}/postgres", autocommit=True)  # not counted: another database
        self.max_connections = int(self.database.execute("SHOW max_connections").fetchone()[0])
        self.greenlet = None

    def gunicorn_ticks(self) -> int:
        return process_ticks(self.server_pid, children=True) + sum(process_ticks(pid) for pid in child_pids(self.server_pid))

    def start(self) -> None:
        self.started = (time.time(), cpu_counters(), self.gunicorn_ticks(), process_ticks(os.getpid()))
        self.greenlet = gevent.spawn(self._loop)

    def _loop(self) -> None:
        while True:
            self.sample()
            gevent.sleep(1)

    def sample(self) -> None:
        rows = self.database.execute(
            "SELECT pid, state FROM pg_stat_activity WHERE datname = %s AND backend_type = 'client backend'", [self.database_name]).fetchall()
        mine = {pid for pid, _state in rows}
        for pid, ticks in ((pid, process_ticks(pid)) for pid in postgres_pids()):
            book = self.backend_ticks if pid in mine else self.other_postgres
            first, _last = book.get(pid, (ticks, ticks))
            book[pid] = (first, ticks)
        self.samples.append({"queue": accept_queue(self.port), "runnable": runnable(), "connections": len(rows),
                             "active": sum(1 for _pid, state in rows if state == "active")})

    def stop(self) -> dict:
        self.greenlet.kill()
        self.sample()
        began, cpu_before, gunicorn_before, locust_before = self.started
        seconds = time.time() - began
        cpu = cpu_split(cpu_before, cpu_counters())
        share = lambda ticks: 100 * ticks / cpu["ticks"] if cpu["ticks"] else 0.0  # noqa: E731 - % of the cores' time
        used = {"gunicorn": share(self.gunicorn_ticks() - gunicorn_before),
                "postgres": share(sum(last - first for first, last in self.backend_ticks.values())),
                "locust": share(process_ticks(os.getpid()) - locust_before),
                "other postgres": share(sum(last - first for first, last in self.other_postgres.values()))}
        used["everything else"] = max(0.0, cpu["busy"] - sum(used.values()))
        self.database.close()
        queue = [s["queue"] for s in self.samples]
        connections = [s["connections"] for s in self.samples]
        active = [s["active"] for s in self.samples]
        running = [s["runnable"] for s in self.samples]
        return {"seconds": seconds, "cpu": cpu, "used": used, "max_connections": self.max_connections,
                "queue": (sum(queue) / len(queue), max(queue)), "connections": (sum(connections) / len(connections), max(connections)),
                "active": (sum(active) / len(active), max(active)), "runnable": (sum(running) / len(running), max(running))}
