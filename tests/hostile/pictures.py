"""The system picture's saved views and the commissioner's neighbourhood studies, as
hostile-input cases."""

from __future__ import annotations

import re
import time
from functools import cache, partial

from sqlalchemy import select

from joinedup.domains.neighbourhoods import generate_demand, load_area
from joinedup.domains.neighbourhoods.engine.demand import demand_to_csv
from joinedup.domains.neighbourhoods.models import NeighbourhoodRun, NeighbourhoodStudy
from joinedup.domains.visibility import service as visibility
from tests.hostile.harness import FormCase, Stage, Target, multipart

BUSY = ("designing", "running")


def _save_view(stage: Stage) -> Target:
    return Target("/visibility/views", lambda: {"name": "Beds in Trafford", "path": "/visibility", "shared": "yes"})


def _delete_view(stage: Stage) -> Target:
    view = stage.act("colin_commissioner", visibility.save_view, name="Beds", path="/visibility", shared=False)
    return Target(f"/visibility/views/{view.id}/delete", dict)


def settle(stage: Stage, seconds: float = 120) -> None:
    """Wait for every design and run in the background to end, so a refusal's "nothing changed"
    is not confused by a job an accepted answer started."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with stage.dx.session() as s:
            busy = s.scalars(select(NeighbourhoodStudy.id).where(NeighbourhoodStudy.status.in_(BUSY))).first()
            busy = busy or s.scalars(select(NeighbourhoodRun.id).where(NeighbourhoodRun.status == "running")).first()
        if busy is None:
            return
        time.sleep(0.1)
    raise AssertionError("a neighbourhood job did not finish")


@cache
def _demand() -> str:
    """A council's extract: 20 people in the West locality, each with their day's visits."""
    return demand_to_csv(generate_demand(load_area().localities({"West"}), 20, seed=4))


def _generate(stage: Stage) -> Target:
    return Target("/neighbourhoods/generate", lambda: {"locality": "West", "recipients": "40", "seed": "3"})


def _upload(stage: Stage) -> Target:
    return Target("/neighbourhoods/upload", lambda: {"file": _demand()})


def _study(stage: Stage, *, designed: bool) -> str:
    made = stage.post("/neighbourhoods/generate", {"locality": "West", "recipients": "120", "seed": "3"})
    study = str(made.url.path).rsplit("/", 1)[-1]
    if designed:
        stage.post(f"/neighbourhoods/{study}/design", {"target": "60", "measure": "recipients"})
        settle(stage)
    return study


def _design(stage: Stage) -> Target:
    study = _study(stage, designed=False)
    return Target(
        f"/neighbourhoods/{study}/design", lambda: {"target": "60", "measure": "recipients", "within_localities": "yes"}
    )


def _move(stage: Stage) -> Target:
    """An LSOA moved to the other neighbourhood (one that borders it), so moving it back is valid."""
    study = _study(stage, designed=True)
    page = stage.client.get(f"/neighbourhoods/{study}").text
    for code, now in re.findall(r'<option value="(E0[0-9]+)"[^>]*>[^<]*now in ([0-9]+)</option>', page):
        moved = stage.client.post(
            f"/neighbourhoods/{study}/move",
            data={"csrf_token": stage.token, "lsoa": code, "to": "2" if now == "1" else "1"},
            follow_redirects=False,
        )
        if moved.status_code == 303:
            return Target(f"/neighbourhoods/{study}/move", partial(dict, lsoa=code, to=now))
    raise AssertionError("no LSOA of the study can move")


def _run(stage: Stage) -> Target:
    study = _study(stage, designed=True)
    return Target(
        f"/neighbourhoods/{study}/run", lambda: {"providers": "2", "days": "1", "seconds_per_100_visits": "0.05"}
    )


PICTURE_FORMS = [
    FormCase("save a view", "colin_commissioner", _save_view, "/visibility/views"),
    FormCase("delete a view", "colin_commissioner", _delete_view, "/visibility/views"),
    FormCase("generate demand", "colin_commissioner", _generate, "/neighbourhoods", settle=settle),
    FormCase(
        "upload demand",
        "colin_commissioner",
        _upload,
        "/neighbourhoods",
        multipart(files=("file",)),
        settle=settle,
    ),
    FormCase("design neighbourhoods", "colin_commissioner", _design, "/neighbourhoods", settle=settle),
    FormCase("move an area", "colin_commissioner", _move, "/neighbourhoods", settle=settle),
    FormCase("run the scenarios", "colin_commissioner", _run, "/neighbourhoods", settle=settle),
]
