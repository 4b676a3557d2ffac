"""Public types of the system picture: a drill-down level as the service builds it (`Level`,
`Table`, `Link`) and its JSON shapes; every level is the same shape, so one client reads them all."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from joinedup.core.errors import invalid
from joinedup.domains.visibility.engine.shortfall import ShortfallRow
from joinedup.domains.visibility.engine.spc_chart import Chart

if TYPE_CHECKING:
    from joinedup.domains.visibility.models import SavedView

Cell = str | float | int | None
LEVELS = ("system", "place", "neighbourhood", "organisation", "ward", "patients")


@dataclass
class Table:
    key: str
    caption: str
    columns: list[str]
    rows: list[list[Cell]]
    note: str | None = None


@dataclass(frozen=True)
class Link:
    text: str
    href: str
    detail: str = ""


@dataclass
class Level:
    """One page of the drill-down: where it is, where it leads, and its tables and charts."""

    level: str
    title: str
    key: dict[str, str]
    crumbs: list[Link]
    children: list[Link] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    shortfall: list[ShortfallRow] = field(default_factory=list)
    source: str = ""
    notes: list[str] = field(default_factory=list)
    patients_href: str | None = None

    def table(self, key: str) -> Table:
        for t in self.tables:
            if t.key == key:
                return t
        raise invalid("table", f"this page has no table {key!r}; it has {', '.join(t.key for t in self.tables)}")


class TableOut(BaseModel):
    key: str = Field(description="Name of the table, for the CSV export's `table`")
    caption: str
    columns: list[str]
    rows: list[list[Cell]]
    note: str | None = None


class LinkOut(BaseModel):
    text: str
    href: str = Field(description="The page; the JSON is at /api/v1 + the same path, with /visibility/system for /")
    detail: str = ""


class ChartPointOut(BaseModel):
    day: date
    value: float
    point_type: str
    rules: list[str] = Field(description="Making Data Count rules the point breaks")


class ChartOut(BaseModel):
    key: str
    title: str
    unit: str
    mean: float
    upper_limit: float
    lower_limit: float
    upper_near: float
    lower_near: float
    variation: str = Field(description="The variation icon, e.g. special_cause_concern_high")
    assurance: str | None = Field(description="consistent_pass, consistent_fail, hit_and_miss or null (no target)")
    target: float | None
    points: list[ChartPointOut]


class ShortfallOut(BaseModel):
    care_group: str
    label: str
    waiting: float | None = Field(description="People waiting; null when not known at this level")
    capacity: float = Field(description="People or packages that could start now")
    shortfall: float | None
    ratio: float | None = Field(description="Shortfall as a share of demand, 0 to 1")
    ratio_then: dict[str, float | None]


class LevelOut(BaseModel):
    level: str
    title: str
    key: dict[str, str]
    crumbs: list[LinkOut]
    children: list[LinkOut]
    tables: list[TableOut]
    charts: list[ChartOut]
    shortfall: list[ShortfallOut]
    source: str = Field(description="Where the discharge figures come from")
    notes: list[str]
    patients_href: str | None = Field(description="The patient level, offered only to those who may see it")

    @classmethod
    def of(cls, level: Level) -> LevelOut:
        return cls(
            level=level.level,
            title=level.title,
            key=level.key,
            crumbs=[LinkOut(text=c.text, href=c.href, detail=c.detail) for c in level.crumbs],
            children=[LinkOut(text=c.text, href=c.href, detail=c.detail) for c in level.children],
            tables=[
                TableOut(key=t.key, caption=t.caption, columns=t.columns, rows=t.rows, note=t.note)
                for t in level.tables
            ],
            charts=[
                ChartOut(
                    key=c.key,
                    title=c.title,
                    unit=c.unit,
                    mean=c.spc.mean,
                    upper_limit=c.spc.upper_limit,
                    lower_limit=c.spc.lower_limit,
                    upper_near=c.spc.upper_near,
                    lower_near=c.spc.lower_near,
                    variation=c.spc.variation,
                    assurance=c.spc.assurance.value if c.spc.assurance else None,
                    target=c.spc.target,
                    points=[
                        ChartPointOut(day=d, value=p.value, point_type=p.point_type.value, rules=list(p.reasons))
                        for d, p in zip(c.days, c.spc.points, strict=True)
                    ],
                )
                for c in level.charts
            ],
            shortfall=[
                ShortfallOut(
                    care_group=r.care_group,
                    label=r.label,
                    waiting=r.waiting,
                    capacity=r.capacity,
                    shortfall=r.shortfall,
                    ratio=r.ratio,
                    ratio_then=dict(r.ratio_then),
                )
                for r in level.shortfall
            ],
            source=level.source,
            notes=level.notes,
            patients_href=level.patients_href,
        )


ViewName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$")
]
ViewPath = Annotated[str, StringConstraints(min_length=1, max_length=500, pattern=r"^/visibility[^\x00-\x1f\x7f\s]*$")]


class SavedViewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: ViewName
    path: ViewPath = Field(description="A page under /visibility, with its query string")
    shared: StrictBool = Field(default=False, description="Offer it to everyone with your role in your organisation")


class SavedViewOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    name: str
    path: str
    role: str
    shared: bool
    mine: bool
    created_at: datetime

    @classmethod
    def of(cls, view: SavedView, *, user_id: str | None) -> SavedViewOut:
        return cls(
            id=view.id,
            name=view.name,
            path=view.path,
            role=view.role,
            shared=view.shared,
            mine=view.user_id == user_id,
            created_at=view.created_at,
        )
