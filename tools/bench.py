"""`make bench`: the bot's speed over its REST channel, beside Rasa's own starter bot on the same machine.

For each bot it measures, in this order: cold start (from the command to the first answered message), one
conversation's turn latency (p50, p95), capacity (turns per second with 20 conversations back to back:
each sends its next message as soon as it has the answer), latency under an open load at half that
capacity (Poisson arrivals, sent whether or not earlier ones were answered), and peak memory (the summed
PSS of the server processes, sampled every half second). The plain bot is `rasa init`'s starter bot,
trained once and cached under var/bench/ by Rasa version, run with `rasa run actions` and
`rasa run --enable-api` and its default in-memory stores.

Figures are printed, with whether the issue's targets are met, and written to results/bench/latest.json.
It is a benchmark, not a test: the exit status is 0 whenever both bots ran.
"""
from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import math
import os
import platform
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import deque
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import aiohttp

from tools.local_servers import MissingServer, PostgresServer, RedisServer, free_port

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent

# A realistic conversation with our bot: a greeting, FAQ questions, the whole suitability screen
# (eight answers, each validated by the action server), thanks and goodbye. No risk message: the
# escalation path is a rare turn, and its handoff rows would pile up in the database.
OURS_SCRIPT = (
    "hi", "what is iop", "how much does it cost", "do you take medicaid", "can i keep working during the program",
    "are there evening groups", "is it confidential", "is iop right for me",
    "oxy and percs", "every day", "no", "no", "no", "yeah i can do that", "no", "i live alone",
    "thanks", "bye",
)
# The same kind of conversation for the starter bot's intents (greet, mood, affirm, bot challenge, goodbye).
PLAIN_SCRIPT = ("hello", "i am sad", "yes", "are you a bot?", "hi again", "i am feeling great", "bye")

TARGETS = {"solo_p95_ms": 150.0, "capacity_ratio": 2.0, "open_p95_ms": 300.0}


@dataclass
class Settings:
    solo_warmup: int = 5
    solo_turns: int = 100
    conversations: int = 20
    capacity_warmup_s: float = 10.0
    capacity_s: float = 60.0
    open_s: float = 60.0
    seed: int = 9


QUICK = Settings(solo_warmup=3, solo_turns=30, capacity_warmup_s=3.0, capacity_s=12.0, open_s=12.0)


# ---------------------------------------------------------------------------------------------- pure parts

def percentile(values: Sequence[float], q: float) -> Optional[float]:
    """The q-th percentile with linear interpolation between the closest ranks (numpy's default)."""
    if not values:
        return None
    if not 0 <= q <= 100:
        raise ValueError("q must be between 0 and 100")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo = math.floor(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def poisson_schedule(rate: float, duration: float, rng: random.Random) -> List[float]:
    """Arrival times (seconds from the start) of an open load: exponential gaps, so arrivals do not wait
    for answers and bunch up as real traffic does."""
    if rate <= 0 or duration <= 0:
        return []
    times, t = [], rng.expovariate(rate)
    while t < duration:
        times.append(t)
        t += rng.expovariate(rate)
    return times


class ConversationPool:
    """Hands out the next message of a conversation that is not waiting for an answer, so an open load
    never sends two messages of one conversation at once (a person waits for the reply); when every
    conversation is waiting, a new one starts. A conversation that reaches the end of its script starts
    over under a new sender id, so trackers keep a realistic length."""

    def __init__(self, script: Sequence[str], prefix: str) -> None:
        self.script, self.prefix = tuple(script), prefix
        self.idle: deque = deque()
        self.started = 0

    def take(self) -> Dict:
        if self.idle:
            conv = self.idle.popleft()
        else:
            conv = {"n": self.started, "round": 0, "pos": 0}
            self.started += 1
        return conv

    def message(self, conv: Dict) -> tuple:
        sender = f"{self.prefix}-{conv['n']}-{conv['round']}"
        text = self.script[conv["pos"]]
        conv["pos"] += 1
        if conv["pos"] == len(self.script):
            conv["pos"], conv["round"] = 0, conv["round"] + 1
        return sender, text

    def give_back(self, conv: Dict) -> None:
        self.idle.append(conv)


@dataclass
class Figures:
    cold_start_s: Optional[float] = None
    solo_p50_ms: Optional[float] = None
    solo_p95_ms: Optional[float] = None
    capacity_tps: Optional[float] = None
    capacity_p95_ms: Optional[float] = None
    cpu_ms_per_turn: Optional[float] = None
    cpu_ms_per_turn_by_role: Dict[str, float] = field(default_factory=dict)
    client_cpu_ms_per_turn: Optional[float] = None
    open_rate_tps: Optional[float] = None
    open_p50_ms: Optional[float] = None
    open_p95_ms: Optional[float] = None
    peak_memory_mb: Optional[float] = None
    stores_memory_mb: Optional[float] = None
    turns: int = 0
    errors: int = 0
    unanswered: int = 0
    setup: str = ""
    notes: List[str] = field(default_factory=list)


def assess(ours: Optional[Figures], plain: Optional[Figures]) -> List[Dict]:
    """The report's rows: figure, ours, plain, target, met (None when it cannot be judged)."""
    def val(figs, name):
        return getattr(figs, name) if figs else None

    ratio = None
    if val(ours, "capacity_tps") and val(plain, "capacity_tps"):
        ratio = ours.capacity_tps / plain.capacity_tps
    solo, open_p95 = val(ours, "solo_p95_ms"), val(ours, "open_p95_ms")
    rows = [
        ("cold start, command to first answer (s)", "cold_start_s", None, None),
        ("one conversation p50 (ms)", "solo_p50_ms", None, None),
        ("one conversation p95 (ms)", "solo_p95_ms", f"< {TARGETS['solo_p95_ms']:.0f}",
         None if solo is None else solo < TARGETS["solo_p95_ms"]),
        ("capacity, 20 conversations (turns/s)", "capacity_tps", f">= {TARGETS['capacity_ratio']:.0f}x plain",
         None if ratio is None else ratio >= TARGETS["capacity_ratio"]),
        ("  p95 at capacity (ms)", "capacity_p95_ms", None, None),
        ("  server CPU per turn at capacity (ms)", "cpu_ms_per_turn", None, None),
        ("open load rate, half capacity (turns/s)", "open_rate_tps", None, None),
        ("open load p50 (ms)", "open_p50_ms", None, None),
        ("open load p95 (ms)", "open_p95_ms", f"< {TARGETS['open_p95_ms']:.0f}",
         None if open_p95 is None else open_p95 < TARGETS["open_p95_ms"]),
        ("peak memory, server processes (MB)", "peak_memory_mb", None, None),
        ("  PostgreSQL + Redis (MB)", "stores_memory_mb", None, None),
        ("turns sent / errors / empty answers", None, None, None),
    ]
    out = []
    for label, name, target, met in rows:
        if name is None:
            cells = [None if f is None else f"{f.turns} / {f.errors} / {f.unanswered}" for f in (ours, plain)]
        else:
            cells = [val(ours, name), val(plain, name)]
        if name == "stores_memory_mb" and cells == [None, None]:
            continue
        out.append({"figure": label, "key": name, "ours": cells[0], "plain": cells[1], "target": target,
                    "met": met})
    if ratio is not None:
        out.append({"figure": "capacity ratio, ours / plain", "key": "capacity_ratio", "ours": f"{ratio:.2f}x",
                    "plain": None, "target": None, "met": None})
    return out


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        return f"{value:.0f}" if abs(value) >= 100 else f"{value:.1f}"
    return str(value)


def format_report(rows: List[Dict], header: Sequence[str] = ()) -> str:
    """A plain-text table: figure, ours, plain, target, met?"""
    table = [("figure", "ours", "plain", "target", "met?")]
    table += [(r["figure"], _cell(r["ours"]), _cell(r["plain"]), r["target"] or "", _cell(r["met"]) if
               r["met"] is not None else ("" if r["target"] is None else "-")) for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(5)]
    lines = list(header)
    for i, line in enumerate(table):
        cells = [line[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(line[1:3], widths[1:3], strict=True)]
        cells += [line[3].ljust(widths[3]), line[4]]
        lines.append("  ".join(cells).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


# ------------------------------------------------------------------------------------- processes and memory

def _pss_kb(pid: str) -> int:
    # PSS shares each shared page among the processes that map it, so a sum over processes does not count
    # the same library (or a forked worker's pages) twice. RSS when smaps_rollup is unreadable.
    for path, key in ((f"/proc/{pid}/smaps_rollup", "Pss:"), (f"/proc/{pid}/status", "VmRSS:")):
        try:
            with open(path) as f:
                for line in f:
                    if line.startswith(key):
                        return int(line.split()[1])
        except OSError:
            continue
    return 0


def tree_memory_kb(roots: set) -> int:
    """Summed PSS of the processes in roots and all their descendants (a server command and all it starts)."""
    parents = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat") as f:
                    parents[int(entry.name)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    found, frontier = set(), {pid for pid in roots if pid in parents}
    while frontier:
        found |= frontier
        frontier = {pid for pid, ppid in parents.items() if ppid in frontier and pid not in found}
    return sum(_pss_kb(str(pid)) for pid in found)


def _role(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "other"
    for needle, role in (("run actions", "action server"), ("rasa run", "rasa server"), ("bot.console", "console"),
                         ("postgres", "postgresql"), ("redis", "redis")):
        if needle in cmd:
            return role
    return "other"


def tree_cpu_s(roots: set) -> Dict[str, float]:
    """CPU seconds (user + system) used so far by the processes in roots and their descendants, by role
    (rasa server, action server, ...). Unlike wall-clock figures it hardly moves when other work shares
    the machine."""
    parents, times = {}, {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
            times[int(entry.name)] = int(fields[11]) + int(fields[12])  # utime, stime in clock ticks
    found, frontier = set(), {pid for pid in roots if pid in parents}
    while frontier:
        found |= frontier
        frontier = {pid for pid, ppid in parents.items() if ppid in frontier and pid not in found}
    by_role: Dict[str, float] = {}
    for pid in found:
        role = _role(pid)
        by_role[role] = by_role.get(role, 0.0) + times[pid] / os.sysconf("SC_CLK_TCK")
    return by_role


class MemorySampler(threading.Thread):
    def __init__(self, roots: set, interval: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.roots, self.interval, self.peak_kb = roots, interval, 0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            self.peak_kb = max(self.peak_kb, tree_memory_kb(self.roots))
            self._done.wait(self.interval)

    def stop(self) -> float:
        self._done.set()
        self.join(5)
        return round(self.peak_kb / 1024, 1)


def stop_group(proc: subprocess.Popen, timeout: float = 30) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass


def rasa_version() -> str:
    from importlib.metadata import version

    return version("rasa")


# ------------------------------------------------------------------------------------- PostgreSQL and Redis

class Stores:
    """Throwaway PostgreSQL (fsync as shipped, like a real install) and Redis for the scale-out set-ups."""

    def __init__(self) -> None:
        self.pg: Optional[PostgresServer] = None
        self.redis: Optional[RedisServer] = None
        self.pids: set = set()

    def start(self) -> Dict[str, str]:
        try:
            self.pg = PostgresServer(database="iop", fsync=True, max_connections=200)
            self.redis = RedisServer()
        except MissingServer as exc:
            raise SystemExit(f"error: several Rasa processes need PostgreSQL and Redis ({exc}); `make test-deps` "
                             "installs them, or measure one process with --servers 1") from exc
        self.pids = {self.pg.pid, self.redis.pid}
        return {"DATABASE_URL": self.pg.url, "TRACKER_DATABASE_URL": self.pg.url, "REDIS_URL": self.redis.url}

    def stop(self) -> None:
        if self.redis:
            self.redis.stop()
        if self.pg:
            self.pg.remove()


# --------------------------------------------------------------------------------------------- the two bots

@dataclass
class Bot:
    name: str
    script: Sequence[str]
    ports: List[int]
    procs: List[subprocess.Popen]
    log: Path
    setup: str
    stores: Optional[Stores] = None
    started_at: float = 0.0


def start_ours(work: Path, project: Path, servers: int, workers: int) -> Bot:
    """`bash scripts/run.sh` as `make run` starts it, on free ports and temp databases. Several processes
    (RASA_SERVERS) or Sanic workers (SANIC_WORKERS) need Rasa's Redis lock store and PostgreSQL: SQLite is
    for one process."""
    rasa_port = free_port(servers)
    env = {**os.environ, "RASA_PORT": str(rasa_port), "ACTION_PORT": str(free_port()),
           "CONSOLE_PORT": str(free_port()), "RASA_API_TOKEN": uuid.uuid4().hex, "PYTHONPATH": str(project),
           "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3",
           "DATABASE_URL": f"sqlite:///{work / 'iop.db'}", "TRACKER_DATABASE_URL": f"sqlite:///{work / 'tracker.db'}"}
    for key in ("RASA_SERVERS", "SANIC_WORKERS", "REDIS_URL"):
        env.pop(key, None)
    stores = None
    setup = "1 Rasa process, SQLite (as `make run`)"
    if servers > 1 or workers > 1:
        stores = Stores()
        env["RASA_SERVERS"], env["SANIC_WORKERS"] = str(servers), str(workers)
        setup = (f"RASA_SERVERS={servers} SANIC_WORKERS={workers}: {servers * workers} Rasa workers on PostgreSQL "
                 f"with the Redis lock store" + (", requests round-robin over the ports" if servers > 1 else ""))
    try:
        if stores:
            env.update(stores.start())
        subprocess.run([str(VENV_BIN / "python"), "-m", "bot.storage.migrate"], cwd=project, env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        log = work / "ours.log"
        started = time.monotonic()
        proc = subprocess.Popen(["bash", "scripts/run.sh"], cwd=project, env=env, stdout=open(log, "w"),
                                stderr=subprocess.STDOUT, start_new_session=True)
    except BaseException:
        if stores:
            stores.stop()
        raise
    return Bot("ours", OURS_SCRIPT, [rasa_port + i for i in range(servers)], [proc], log, setup, stores, started)


def plain_model(cache: Path, work: Path) -> Path:
    """The starter bot's model: trained by `rasa init` the first time, then taken from the cache."""
    model = cache / f"plain-rasa-{rasa_version()}.tar.gz"
    project = work / "plain"
    if model.exists():
        # What `rasa init` copies before it trains (rasa/cli/initial_project), without training again.
        scaffold = Path(importlib.util.find_spec("rasa").submodule_search_locations[0]) / "cli" / "initial_project"
        shutil.copytree(scaffold, project, ignore=shutil.ignore_patterns("__pycache__"))
        return model
    print(f"training the plain `rasa init` bot once (cached as {model}) ...", flush=True)
    project.mkdir()  # `rasa init --no-prompt` wants the folder to exist
    subprocess.run([str(VENV_BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(project)], cwd=work,
                   env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"}, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    trained = sorted((project / "models").glob("*.tar.gz"))[-1]
    cache.mkdir(parents=True, exist_ok=True)
    shutil.copy(trained, model)
    return model


def start_plain(work: Path, cache: Path) -> Bot:
    model = plain_model(cache, work)
    project = work / "plain"
    rasa_port, action_port = free_port(), free_port()
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(project)}
    log = work / "plain.log"
    out = open(log, "w")
    started = time.monotonic()
    procs = [
        subprocess.Popen([str(VENV_BIN / "rasa"), "run", "actions", "--port", str(action_port)], cwd=project,
                         env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True),
        subprocess.Popen([str(VENV_BIN / "rasa"), "run", "--enable-api", "--model", str(model), "--interface",
                          "127.0.0.1", "--port", str(rasa_port)], cwd=project, env=env, stdout=out,
                         stderr=subprocess.STDOUT, start_new_session=True),
    ]
    return Bot("plain", PLAIN_SCRIPT, [rasa_port], procs, log, "`rasa init` starter bot, 1 Rasa process, in-memory "
               "stores", None, started)


def stop_bot(bot: Bot) -> None:
    for proc in bot.procs:
        stop_group(proc)
    if bot.stores:
        bot.stores.stop()


# --------------------------------------------------------------------------------------------------- load

class Client:
    """Posts turns to the REST channel; several ports (RASA_SERVERS) are used round-robin, as a load
    balancer without session affinity would: Rasa's lock store keeps each conversation in order."""

    def __init__(self, session, ports: Sequence[int]) -> None:
        self.session, self.ports, self.next = session, list(ports), 0
        self.errors = self.unanswered = self.sent = 0

    async def turn(self, sender: str, text: str) -> Optional[float]:
        """Seconds to the answer; None on an error."""
        port = self.ports[self.next % len(self.ports)]
        self.next += 1
        self.sent += 1
        start = time.perf_counter()
        try:
            async with self.session.post(f"http://127.0.0.1:{port}/webhooks/rest/webhook",
                                         json={"sender": sender, "message": text}) as resp:
                body = await resp.json(content_type=None)
                if resp.status != 200:
                    self.errors += 1
                    return None
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
            self.errors += 1
            return None
        if not body:
            self.unanswered += 1
        return time.perf_counter() - start


async def wait_first_answer(bot: Bot, timeout: float = 600) -> float:
    """Cold start: seconds from the command to the first answered message on the first port."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        while time.monotonic() - bot.started_at < timeout:
            if any(p.poll() is not None for p in bot.procs):
                raise RuntimeError(f"{bot.name} exited while starting:\n" + bot.log.read_text()[-3000:])
            try:
                async with session.post(f"http://127.0.0.1:{bot.ports[0]}/webhooks/rest/webhook",
                                        json={"sender": f"cold-{uuid.uuid4().hex[:8]}", "message": bot.script[0]}
                                        ) as resp:
                    if resp.status == 200 and await resp.json(content_type=None):
                        return time.monotonic() - bot.started_at
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{bot.name} gave no answer within {timeout:.0f} s:\n" + bot.log.read_text()[-3000:])


async def wait_all_ports(bot: Bot, timeout: float = 600) -> None:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
        for port in bot.ports:
            while True:
                try:
                    async with session.get(f"http://127.0.0.1:{port}/") as resp:
                        if resp.status == 200:
                            break
                except (aiohttp.ClientError, asyncio.TimeoutError):
                    pass
                if time.monotonic() - bot.started_at > timeout:
                    raise RuntimeError(f"{bot.name}: port {port} never answered")
                await asyncio.sleep(0.2)
    if bot.name == "ours":  # run.sh prints this once the staff console is up too: the whole thing is started
        while "is running" not in bot.log.read_text():
            if time.monotonic() - bot.started_at > timeout:
                raise RuntimeError("run.sh never said it is running:\n" + bot.log.read_text()[-3000:])
            await asyncio.sleep(0.2)


async def one_conversation(client: Client, script: Sequence[str], prefix: str, warmup: int, turns: int) -> List[float]:
    pool = ConversationPool(script, prefix)
    conv, latencies = pool.take(), []
    for i in range(warmup + turns):
        took = await client.turn(*pool.message(conv))
        if i >= warmup and took is not None:
            latencies.append(took)
    return latencies


async def closed_load(client: Client, script: Sequence[str], prefix: str, conversations: int, warmup_s: float,
                      duration_s: float, cpu_probe=None) -> tuple:
    """Conversations back to back: each sends its next message when it has the answer. Counts the turns
    answered inside the measuring window (after the warm-up); cpu_probe() is read at both ends of it."""
    pool = ConversationPool(script, prefix)
    loop = asyncio.get_running_loop()
    begin = loop.time()
    window = (begin + warmup_s, begin + warmup_s + duration_s)
    done: List[float] = []

    async def user():
        conv = pool.take()
        while loop.time() < window[1]:
            took = await client.turn(*pool.message(conv))
            now = loop.time()
            if took is not None and window[0] <= now <= window[1]:
                done.append(took)

    async def probe():
        await asyncio.sleep(max(0.0, window[0] - loop.time()))
        start, own = cpu_probe(), time.process_time()
        await asyncio.sleep(max(0.0, window[1] - loop.time()))
        end = cpu_probe()
        # The benchmark's own CPU (load generator and memory sampler) shares the machine with the servers.
        return {**{role: end[role] - start.get(role, 0.0) for role in end},
                "load generator": time.process_time() - own}

    cpu = asyncio.create_task(probe()) if cpu_probe else None
    await asyncio.gather(*(user() for _ in range(conversations)))
    cpu_s = await cpu if cpu else None
    return len(done) / duration_s, done, cpu_s


async def open_load(client: Client, script: Sequence[str], prefix: str, rate: float, duration_s: float,
                    seed: int) -> List[float]:
    """Arrivals on a Poisson schedule at `rate`, sent whatever the state of earlier ones. Latency counts from
    the scheduled arrival, so a client that falls behind does not hide queueing (coordinated omission)."""
    pool = ConversationPool(script, prefix)
    loop = asyncio.get_running_loop()
    begin = loop.time()
    latencies: List[float] = []

    async def arrive(at: float):
        conv = pool.take()
        sender, text = pool.message(conv)
        took = await client.turn(sender, text)
        pool.give_back(conv)
        if took is not None:
            latencies.append(loop.time() - (begin + at))

    tasks = []
    for at in poisson_schedule(rate, duration_s, random.Random(seed)):
        await asyncio.sleep(max(0.0, begin + at - loop.time()))
        tasks.append(asyncio.create_task(arrive(at)))
    await asyncio.gather(*tasks)
    return latencies


def ms(seconds: Optional[float]) -> Optional[float]:
    return None if seconds is None else round(seconds * 1000, 1)


async def measure(bot: Bot, settings: Settings, log) -> Figures:
    figs = Figures(setup=bot.setup)
    sampler = MemorySampler({p.pid for p in bot.procs})
    sampler.start()
    stores_sampler = MemorySampler(bot.stores.pids) if bot.stores else None
    if stores_sampler:
        stores_sampler.start()
    try:
        figs.cold_start_s = round(await wait_first_answer(bot), 1)
        log(f"  cold start {figs.cold_start_s} s")
        await wait_all_ports(bot)
        prefix = f"bench-{bot.name}-{uuid.uuid4().hex[:6]}"
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=120)) as session:
            client = Client(session, bot.ports)
            solo = await one_conversation(client, bot.script, f"{prefix}-solo", settings.solo_warmup,
                                          settings.solo_turns)
            figs.solo_p50_ms, figs.solo_p95_ms = ms(percentile(solo, 50)), ms(percentile(solo, 95))
            log(f"  one conversation: p50 {figs.solo_p50_ms} ms, p95 {figs.solo_p95_ms} ms")
            roots = {p.pid for p in bot.procs} | (bot.stores.pids if bot.stores else set())
            tps, under, cpu_s = await closed_load(client, bot.script, f"{prefix}-cap", settings.conversations,
                                                  settings.capacity_warmup_s, settings.capacity_s,
                                                  lambda: tree_cpu_s(roots))
            figs.capacity_tps, figs.capacity_p95_ms = round(tps, 1), ms(percentile(under, 95))
            if under:
                client_s = cpu_s.pop("load generator")
                figs.cpu_ms_per_turn = round(sum(cpu_s.values()) * 1000 / len(under), 1)
                figs.client_cpu_ms_per_turn = round(client_s * 1000 / len(under), 1)
                figs.cpu_ms_per_turn_by_role = {role: round(sec * 1000 / len(under), 1)
                                                for role, sec in sorted(cpu_s.items()) if sec > 0}
            log(f"  capacity: {figs.capacity_tps} turns/s (p95 {figs.capacity_p95_ms} ms), "
                f"{figs.cpu_ms_per_turn} ms of server CPU per turn {figs.cpu_ms_per_turn_by_role}, "
                f"{figs.client_cpu_ms_per_turn} ms in the load generator")
            figs.open_rate_tps = round(tps / 2, 2)
            lat = await open_load(client, bot.script, f"{prefix}-open", tps / 2, settings.open_s, settings.seed)
            figs.open_p50_ms, figs.open_p95_ms = ms(percentile(lat, 50)), ms(percentile(lat, 95))
            log(f"  open load at {figs.open_rate_tps} turns/s: p50 {figs.open_p50_ms} ms, p95 {figs.open_p95_ms} ms")
            figs.turns, figs.errors, figs.unanswered = client.sent, client.errors, client.unanswered
    finally:
        figs.peak_memory_mb = sampler.stop()
        if stores_sampler:
            figs.stores_memory_mb = stores_sampler.stop()
    return figs


# ---------------------------------------------------------------------------------------------------- main

def machine() -> Dict:
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
    except OSError:
        pass
    return {"cores": os.cpu_count(), "usable_cores": len(os.sched_getaffinity(0)), "cpu": model,
            "system": platform.platform(), "python": platform.python_version(), "rasa": rasa_version(),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a fast smoke run: fewer turns, shorter loads")
    parser.add_argument("--only", choices=("ours", "plain"), help="run one bot only")
    parser.add_argument("--servers", type=int, default=2,
                        help="Rasa server processes (RASA_SERVERS; >1 starts PostgreSQL and Redis), default 2")
    parser.add_argument("--workers", type=int, default=1, help="Sanic workers per Rasa process (SANIC_WORKERS)")
    parser.add_argument("--conversations", type=int, help="conversations for the capacity figure (default 20)")
    parser.add_argument("--duration", type=float, help="seconds of each load phase (default 60, quick 12)")
    parser.add_argument("--turns", type=int, help="measured turns of the one conversation (default 100)")
    parser.add_argument("--project", type=Path, default=ROOT,
                        help="the project folder to run (a copy with other settings, for comparisons)")
    parser.add_argument("--json", type=Path, default=ROOT / "results" / "bench" / "latest.json")
    parser.add_argument("--cache", type=Path, default=ROOT / "var" / "bench", help="where the plain model is kept")
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    settings = Settings(**asdict(QUICK)) if args.quick else Settings()
    if args.conversations:
        settings.conversations = args.conversations
    if args.duration:
        settings.capacity_s = settings.open_s = args.duration
    if args.turns:
        settings.solo_turns = args.turns
    project = args.project.resolve()
    if args.only != "plain" and not (project / "models" / "CURRENT").exists():
        print(f"error: no trained model in {project}/models: run `make train` first", file=sys.stderr)
        return 1
    info = machine()
    command = " ".join([Path(sys.executable).name, "-m", "tools.bench", *(argv or sys.argv[1:])])
    header = [f"make bench: {info['usable_cores']} cores ({info['cpu']}), load average at start "
              f"{' '.join(map(str, info['load_average_at_start']))}, rasa {info['rasa']}",
              f"command: {command}"]
    print("\n".join(header), flush=True)

    results: Dict[str, Figures] = {}
    work = Path(tempfile.mkdtemp(prefix="iop-bench-"))
    try:
        for name in ("ours", "plain"):
            if args.only and args.only != name:
                continue
            print(f"{name}: starting ...", flush=True)
            bot = (start_ours(work, project, args.servers, args.workers) if name == "ours"
                   else start_plain(work, args.cache))
            try:
                print(f"  {bot.setup}", flush=True)
                results[name] = asyncio.run(measure(bot, settings, lambda s: print(s, flush=True)))
            finally:
                stop_bot(bot)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    rows = assess(results.get("ours"), results.get("plain"))
    notes = [f"ours: {results['ours'].setup}" if "ours" in results else "",
             f"plain: {results['plain'].setup}" if "plain" in results else "",
             f"one conversation: {settings.solo_turns} turns after {settings.solo_warmup} warm-up turns; capacity: "
             f"{settings.conversations} conversations for {settings.capacity_s:.0f} s after {settings.capacity_warmup_s:.0f} s;"
             f" open load: Poisson arrivals for {settings.open_s:.0f} s",
             "the load generator runs on the same machine; other work on it makes the figures noisy"]
    report = format_report(rows, [""] + header)
    print(report + "\n" + "\n".join(n for n in notes if n))
    info["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"command": command, "machine": info, "settings": asdict(settings),
                                     "targets": TARGETS, "rows": rows,
                                     "bots": {k: asdict(v) for k, v in results.items()}}, indent=2) + "\n")
    print(f"written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
