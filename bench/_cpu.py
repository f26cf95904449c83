"""CPU time of local processes, read from /proc (benchmarks only; Linux)."""

import os
from pathlib import Path


def _cpu_seconds(stat: Path, command: str | None = None) -> float:
    """User + system CPU of one process from /proc/<pid>/stat (0 when gone or, with `command`,
    when it is another program)."""
    try:
        text = stat.read_text()
    except OSError:
        return 0.0
    name, _sep, rest = text.rpartition(")")
    if command is not None and not name.endswith(f"({command}"):
        return 0.0
    fields = rest.split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU of one process (0 when it is gone)."""
    return _cpu_seconds(Path(f"/proc/{pid}/stat"))


def server_cpu_seconds(pid: int) -> float:
    """User + system CPU of the gunicorn master and its workers, from /proc."""
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(c) for c in children.read_text().split()]
    return sum(_cpu_seconds(Path(f"/proc/{p}/stat")) for p in pids)


def postgres_cpu_seconds() -> float:
    """User + system CPU of every PostgreSQL process on this machine (the server is local)."""
    return sum(_cpu_seconds(stat, "postgres") for stat in Path("/proc").glob("[0-9]*/stat"))


def backend_cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU of the given PostgreSQL backends (by pid), those still alive."""
    return {pid: _cpu_seconds(Path(f"/proc/{pid}/stat"), "postgres") for pid in pids}
