"""A task with a side effect outside the database (tests/ops/test_multihost.py): a line appended
to a file per run, so a task run twice shows up twice."""

import os

from django.tasks import task


@task()
def record(label: str, path: str) -> str:
    with open(path, "a", encoding="utf-8") as out:
        out.write(f"{label} {os.getpid()}\n")
    return label
