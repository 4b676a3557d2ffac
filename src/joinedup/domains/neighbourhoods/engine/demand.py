"""Demand: care recipients at real postcodes with realistic daily packages.

Generated (seeded, labelled synthetic) in proportion to each LSOA's older population, or
loaded from a council's CSV extract (one row per visit). Times are minutes from midnight.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from joinedup.geo.postcodes import normalise_postcode

from .area import Area

# Share of each age group receiving homecare (order of magnitude of English ASC returns).
RATE_65_84 = 0.025
RATE_85_PLUS = 0.12


@dataclass(frozen=True)
class Slot:
    name: str
    preferred: int  # commissioned start, minutes from midnight
    wide: tuple[int, int]  # window a flexible (not time-critical) task may move within
    duration: int


SLOTS = {
    "morning": Slot("morning", 8 * 60, (7 * 60, 11 * 60 + 30), 45),
    "lunch": Slot("lunch", 12 * 60 + 30, (11 * 60, 14 * 60 + 30), 30),
    "tea": Slot("tea", 17 * 60, (15 * 60 + 30, 19 * 60), 30),
    "bed": Slot("bed", 20 * 60 + 30, (19 * 60, 22 * 60), 30),
}
PATTERNS = {1: ["morning"], 2: ["morning", "bed"], 3: ["morning", "lunch", "bed"], 4: list(SLOTS)}
STANDARD_HALF_WINDOW = 30  # a commissioned time is kept to within half an hour either way


@dataclass(frozen=True)
class PackageVisit:
    slot: str
    earliest: int
    latest: int
    duration: int
    carers: int  # 2 = double-up
    time_critical: bool


@dataclass
class Person:
    id: str
    postcode: str
    lsoa_code: str
    lon: float
    lat: float
    visits: list[PackageVisit] = field(default_factory=list)

    @property
    def care_minutes(self) -> int:
        return sum(v.duration * v.carers for v in self.visits)


@dataclass
class Demand:
    people: list[Person]
    synthetic: bool
    seed: int | None = None

    @property
    def visits(self) -> int:
        return sum(len(p.visits) for p in self.people)

    def by_lsoa(self) -> dict[str, list[Person]]:
        out: dict[str, list[Person]] = {}
        for person in self.people:
            out.setdefault(person.lsoa_code, []).append(person)
        return out


class DemandError(ValueError):
    """Bad demand records; ``errors`` name each record (row, person, field); ``bad_rows``
    counts the rows with errors (more than are listed when there are very many)."""

    def __init__(self, errors: list[dict[str, str]], bad_rows: int | None = None):
        self.errors = errors
        self.bad_rows = bad_rows if bad_rows is not None else len({e.get("row") for e in errors})
        shown = "; ".join(f"{e['record']}: {e['message']}" for e in errors[:10])
        more = f" (and {len(errors) - 10} more)" if len(errors) > 10 else ""
        super().__init__(f"{len(errors)} bad demand record(s): {shown}{more}")


def _weights(area: Area) -> tuple[list[str], np.ndarray, np.ndarray]:
    codes = sorted(c for c, lsoa in area.lsoas.items() if lsoa.postcodes)
    over85 = np.array([area.lsoas[c].aged_85_plus for c in codes], dtype=float)
    band = np.array([area.lsoas[c].aged_65_plus for c in codes], dtype=float) - over85
    expected = RATE_65_84 * band + RATE_85_PLUS * over85
    share85 = np.divide(RATE_85_PLUS * over85, expected, out=np.zeros_like(expected), where=expected > 0)
    return codes, expected, share85


def generate_demand(area: Area, recipients: int, seed: int) -> Demand:
    """``recipients`` people placed at postcodes in proportion to the 65+/85+ population."""
    if recipients < 1:
        raise DemandError([{"record": "recipients", "message": "must be at least 1"}])
    rng = np.random.default_rng(seed)
    codes, expected, share85 = _weights(area)
    if not codes or expected.sum() <= 0:
        raise DemandError([{"record": area.name, "message": "the area has no LSOA with postcodes and population"}])
    counts = rng.multinomial(recipients, expected / expected.sum())
    people: list[Person] = []
    for code, count, p85 in zip(codes, counts, share85, strict=True):
        postcodes = area.lsoas[code].postcodes
        for _ in range(int(count)):
            pc = postcodes[int(rng.integers(len(postcodes)))]
            very_old = bool(rng.random() < p85)
            people.append(Person(f"P{len(people) + 1:05d}", pc.postcode, code, pc.lon, pc.lat, _package(rng, very_old)))
    return Demand(people, synthetic=True, seed=seed)


def _package(rng: np.random.Generator, very_old: bool) -> list[PackageVisit]:
    probs = [0.15, 0.2, 0.2, 0.45] if very_old else [0.3, 0.25, 0.2, 0.25]
    calls = int(rng.choice([1, 2, 3, 4], p=probs))
    double_up = rng.random() < (0.12 if very_old else 0.05)
    visits = []
    for name in PATTERNS[calls]:
        slot = SLOTS[name]
        # medication and getting up or to bed are time-critical; lunch and tea usually are not
        critical = bool(rng.random() < (0.7 if name in ("morning", "bed") else 0.25))
        jitter = int(rng.integers(-4, 5)) * 15
        start = min(max(slot.preferred + jitter, slot.wide[0]), slot.wide[1] - STANDARD_HALF_WINDOW)
        duration = slot.duration + (15 if very_old and name == "morning" else 0)
        two = double_up and name in ("morning", "bed")
        visits.append(
            PackageVisit(
                name, start - STANDARD_HALF_WINDOW, start + STANDARD_HALF_WINDOW, duration, 2 if two else 1, critical
            )
        )
    return visits


CSV_COLUMNS = ["person_id", "postcode", "slot", "earliest", "latest", "duration_min", "carers", "time_critical"]


def _hhmm(value: int) -> str:
    return f"{value // 60:02d}:{value % 60:02d}"


def _minutes(text: str) -> int:
    hours, _, minutes = text.strip().partition(":")
    value = int(hours) * 60 + int(minutes or 0)
    if not 0 <= value <= 24 * 60:
        raise ValueError("outside the day")
    return value


def demand_to_csv(demand: Demand) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for p in demand.people:
        for v in p.visits:
            writer.writerow(
                [
                    p.id,
                    p.postcode,
                    v.slot,
                    _hhmm(v.earliest),
                    _hhmm(v.latest),
                    v.duration,
                    v.carers,
                    "yes" if v.time_critical else "no",
                ]
            )
    return out.getvalue()


# What a council's extract may hold. Trafford commissions homecare for about 2,000 people; a
# study holds at most 5,000 (as many as it can generate), each with at most eight visits a day
# (four calls is the usual most) adding up to less than a day. The largest study the generator
# makes is about 13,000 rows and 0.6 MiB, so the row and size limits leave room for longer ids.
MAX_RECIPIENTS = 5_000
MAX_VISITS_PER_PERSON = 8
MAX_VISIT_ROWS = 20_000
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_REPORTED_ERRORS = 500  # bad rows listed; the rest are counted


def _record_errors(reader: Iterator[dict[str, str | None]], area: Area, errors: _Errors) -> dict[str, Person]:
    """Every row checked; good rows added to their person, bad ones reported to `errors`."""
    people: dict[str, Person] = {}
    minutes: dict[str, int] = {}
    for line, row in enumerate(reader, start=2):
        pid = (row.get("person_id") or "").strip()
        record = f"row {line} (person {pid or '?'})"
        if not pid:
            errors.add(line, f"row {line}", "person_id", "is empty")
            continue
        try:
            postcode = normalise_postcode(row.get("postcode") or "")
        except ValueError as exc:
            errors.add(line, record, "postcode", str(exc))
            continue
        pc = area.postcodes.get(postcode)
        if pc is None:
            errors.add(line, record, "postcode", f"{postcode} is unknown or outside {area.name}")
            continue
        try:
            earliest, latest = _minutes(row.get("earliest") or ""), _minutes(row.get("latest") or "")
            duration, carers = int(row.get("duration_min") or ""), int(row.get("carers") or "")
        except ValueError as exc:
            errors.add(
                line,
                record,
                "earliest/latest/duration_min/carers",
                f"not a time (HH:MM) or whole number: {exc}",
            )
            continue
        problems = []
        if latest < earliest:
            problems.append(("latest", "is before earliest"))
        if not 5 <= duration <= 240:
            problems.append(("duration_min", "must be between 5 and 240 minutes"))
        if carers not in (1, 2):
            problems.append(("carers", "must be 1 or 2"))
        slot = (row.get("slot") or "").strip().lower()
        if slot not in SLOTS:
            problems.append(("slot", f"must be one of {', '.join(SLOTS)}"))
        critical = (row.get("time_critical") or "").strip().lower()
        if critical not in ("yes", "no", "true", "false", "1", "0"):
            problems.append(("time_critical", "must be yes or no"))
        if problems:
            for f, m in problems:
                errors.add(line, record, f, m)
            continue
        if pid not in people and len(people) >= MAX_RECIPIENTS:
            errors.add(
                line, record, "person_id", f"more than {MAX_RECIPIENTS:,} care recipients; a study holds at most that"
            )
            continue
        person = people.setdefault(pid, Person(pid, pc.postcode, pc.lsoa_code, pc.lon, pc.lat))
        if person.postcode != pc.postcode:
            errors.add(line, record, "postcode", f"differs from this person's earlier rows ({person.postcode})")
            continue
        if len(person.visits) >= MAX_VISITS_PER_PERSON:
            errors.add(
                line,
                record,
                "person_id",
                f"{pid} has more than {MAX_VISITS_PER_PERSON} visits a day; an extract is one day of visits",
            )
            continue
        minutes[pid] = minutes.get(pid, 0) + duration
        if minutes[pid] > 24 * 60:
            errors.add(line, record, "duration_min", f"{pid}'s visits add up to more than 24 hours a day")
            continue
        person.visits.append(PackageVisit(slot, earliest, latest, duration, carers, critical in ("yes", "true", "1")))
    return people


class _Errors:
    """Bad rows: the first MAX_REPORTED_ERRORS errors kept, every bad row counted."""

    def __init__(self) -> None:
        self.kept: list[dict[str, str]] = []
        self.rows: set[int] = set()

    def add(self, line: int, record: str, field: str, message: str) -> None:
        self.rows.add(line)
        if len(self.kept) < MAX_REPORTED_ERRORS:
            self.kept.append({"record": record, "row": str(line), "field": field, "message": message})


def load_demand_csv(text: str, area: Area) -> Demand:
    """A council's extract, one row per daily visit; every bad row is reported (the first
    MAX_REPORTED_ERRORS of them; all are counted), nothing half-loaded."""
    reader = csv.DictReader(io.StringIO(text))
    errors = _Errors()
    try:
        missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise DemandError(
                [
                    {
                        "record": "header",
                        "row": "1",
                        "field": "header",
                        "message": f"missing column(s): {', '.join(missing)}",
                    }
                ]
            )
        people = _record_errors(reader, area, errors)
    except csv.Error as exc:
        # Core's upload check refuses these first; a file read by the CLI reaches here.
        line = reader.reader.line_num  # the DictReader's own count lags the failed line
        raise DemandError(
            [
                {
                    "record": f"line {line}",
                    "row": str(line),
                    "field": "body",
                    "message": f"line {line}: not valid CSV ({exc})",
                }
            ]
        ) from None
    if errors.kept:
        raise DemandError(errors.kept, bad_rows=len(errors.rows))
    if not people:
        raise DemandError([{"record": "file", "row": "0", "field": "body", "message": "no visits"}])
    return Demand(list(people.values()), synthetic=False)
