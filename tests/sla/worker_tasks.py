"""Tasks used by the worker tests (importable by a worker subprocess started from the repo)."""

from django.tasks import task

calls: list[str] = []


@task()
def note_call(label: str) -> str:
    calls.append(label)
    return label


@task()
def always_fails(label: str) -> None:
    raise RuntimeError(f"{label} cannot be done")
