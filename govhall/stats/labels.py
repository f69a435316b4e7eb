"""Names of centers, departments, windows and staff that tell them apart in
one list (the filters, the score tables, the report).

Windows of different centers share numbers and names (every town center has
its "01 便民服务综合窗口"), staff share names, departments share short names.
A list that spans several centers names every window with its center
("广安区政务服务中心 · 01 便民服务综合窗口"); otherwise a label is made longer
only where it would repeat (docs/indicators.md, "Names in lists").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import TypeVar

from govhall.org.models import Center, Department, User, Window

T = TypeVar("T")
SEPARATOR = " · "


def distinct(objects: Iterable[T], *namers: Callable[[T], str]) -> dict[int, str]:
    """pk → label: each object's first name (by ``namers``, shortest first)
    that no other object of the list shares; the last namer must be unique."""
    labels: dict[int, str] = {}
    pending = list(objects)
    for level, namer in enumerate(namers):
        names = {obj.pk: namer(obj) for obj in pending}
        counts = Counter(names.values())
        last = level == len(namers) - 1
        still = []
        for obj in pending:
            if last or counts[names[obj.pk]] == 1:
                labels[obj.pk] = names[obj.pk]
            else:
                still.append(obj)
        pending = still
        if not pending:
            break
    return labels


def center_labels(centers: Iterable[Center]) -> dict[int, str]:
    return distinct(centers, lambda c: c.name, lambda c: f"{c.name}（{c.code}）")


def window_label(window: Window) -> str:
    """One window on its own: with its center."""
    return f"{window.center.name}{SEPARATOR}{window.number} {window.name}"


def window_labels(windows: Iterable[Window]) -> dict[int, str]:
    """"01 综合窗口" while the list is one center's; "<center> · 01 综合窗口"
    for every window of a list that spans several centers."""
    windows = list(windows)
    if len({w.center_id for w in windows}) <= 1:
        return {w.pk: f"{w.number} {w.name}" for w in windows}
    return distinct(windows, window_label,
                    lambda w: f"{w.center.name}（{w.center.code}）{SEPARATOR}{w.number} {w.name}")


def department_labels(departments: Iterable[Department], *, short: bool = False) -> dict[int, str]:
    """The short name (``short``) or the full name; the full name, then the
    center and then the code where that would repeat."""
    first = (lambda d: d.short_name or d.name) if short else (lambda d: d.name)
    return distinct(departments, first, lambda d: d.name, lambda d: f"{d.center.name}{SEPARATOR}{d.name}",
                    lambda d: f"{d.center.name}{SEPARATOR}{d.name}（{d.code}）")


def _affiliation(person: User) -> str:
    if person.department_id is not None:
        return person.department.short_name or person.department.name
    if person.window_id is not None:
        return f"{person.window.number} {person.window.name}"
    return person.center.name if person.center_id is not None else ""


def staff_label(person: User) -> str:
    """One person on their own: the name and where they work."""
    where = _affiliation(person)
    return f"{person.display_name}（{where}）" if where else person.display_name


def staff_labels(people: Iterable[User]) -> dict[int, str]:
    """The name; with the department (or window, or center) where names
    repeat, and with the login name where that still repeats."""
    return distinct(people, lambda p: p.display_name, staff_label,
                    lambda p: f"{p.display_name}（{_affiliation(p)}，{p.username}）"
                    if _affiliation(p) else f"{p.display_name}（{p.username}）")
