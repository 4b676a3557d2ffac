"""`joinedup push` (send capacity to a joinedup server, as a provider system would) and
`joinedup simulate-capacity` (keep the Trafford demo's capacity changing)."""

from __future__ import annotations

import json
import random
import time
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from sqlalchemy import select

from joinedup.capacity_client import CapacityClient, CapacityError
from joinedup.logs import get_logger

console = Console()
log = get_logger(__name__)


def push(
    file: Annotated[Path, typer.Argument(help="JSON ({'updates': [...]} or a list) or CSV in the template's columns")],
    url: Annotated[str, typer.Option(envvar="JOINEDUP_URL", help="Server address")] = "http://127.0.0.1:8000",
    api_key: Annotated[str | None, typer.Option(envvar="JOINEDUP_API_KEY", help="A read-write API key")] = None,
    client_id: Annotated[str | None, typer.Option(envvar="JOINEDUP_CLIENT_ID")] = None,
    client_secret: Annotated[str | None, typer.Option(envvar="JOINEDUP_CLIENT_SECRET")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="CSV only: check every row, store nothing")] = False,
    per_item: Annotated[bool, typer.Option("--per-item", help="JSON: store good updates, report bad ones")] = False,
) -> None:
    """Send capacity updates to joinedup through its API (the reference client)."""
    if not file.exists():
        console.print(f"[red]file:[/red] {file} does not exist")
        raise typer.Exit(2)
    try:
        client = CapacityClient(url, api_key=api_key, client_id=client_id, client_secret=client_secret)
    except ValueError as exc:
        console.print(f"[red]credentials:[/red] {exc} (or set JOINEDUP_API_KEY)")
        raise typer.Exit(2) from None
    text = file.read_text(encoding="utf-8-sig")
    try:
        if file.suffix.lower() == ".csv":
            result = client.upload_csv(text, dry_run=dry_run)
            for e in result["errors"]:
                console.print(f"row {e['row']}, {e['field']}: {e['message']}")
            verb = "checked" if dry_run else "stored"
            console.print(f"{result['rows']} rows {verb}; {result['stored']} updates stored.")
            raise typer.Exit(1 if result["errors"] else 0)
        try:
            data: Any = json.loads(text)
        except ValueError as exc:
            console.print(f"[red]file:[/red] not JSON ({exc})")
            raise typer.Exit(2) from None
        updates = data["updates"] if isinstance(data, dict) else data
        totals = {"accepted": 0, "applied": 0, "duplicates": 0, "rejected": 0}
        for batch in client.push(updates, per_item=per_item):
            for key in totals:
                totals[key] += batch[key]
            for item in batch["items"]:
                for e in item["errors"]:
                    console.print(f"update {item['index']} ({item['update_id']}), {e['field']}: {e['message']}")
        console.print(
            f"{totals['accepted']} stored ({totals['applied']} changed the current state), "
            f"{totals['duplicates']} already received, {totals['rejected']} rejected."
        )
    except CapacityError as exc:
        console.print(f"[red]refused:[/red] {exc}")
        raise typer.Exit(1) from None
    except OSError as exc:
        console.print(f"[red]connection:[/red] {exc}")
        raise typer.Exit(1) from None


def simulate(
    rounds: Annotated[int, typer.Option(min=0, help="Rounds to run; 0 runs until interrupted")] = 0,
    interval: Annotated[float, typer.Option(min=0, help="Seconds between rounds")] = 5.0,
    changes: Annotated[int, typer.Option(min=1, max=1000, help="Services that report in each round")] = 5,
    seed: Annotated[int, typer.Option(help="Random seed")] = 20261123,
    quiet: Annotated[bool, typer.Option(help="Do not print each change")] = False,
) -> None:
    """Keep the demo alive: every round a few providers report new (synthetic) capacity."""
    from joinedup.config import get_settings
    from joinedup.core.clock import utcnow
    from joinedup.db.session import make_engine, make_session_factory, scoped_session
    from joinedup.db.tenancy import Scope
    from joinedup.domains.capacity import demo, schemas, service
    from joinedup.domains.capacity.models import CapacityCurrent, CapacityService
    from joinedup.domains.organisations import service as organisations

    settings = get_settings()
    factory = make_session_factory(make_engine(settings.database_url))
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    done = 0
    while rounds == 0 or done < rounds:
        with scoped_session(factory, Scope.system("capacity simulator")) as session:
            services = session.scalars(
                select(CapacityService).where(CapacityService.synthetic.is_(True), CapacityService.active.is_(True))
            ).all()
            if not services:
                console.print("[red]No demo services:[/red] run `joinedup seed` first.")
                raise typer.Exit(2)
            now = utcnow()
            for svc in rng.sample(list(services), min(changes, len(services))):
                current = session.get(CapacityCurrent, svc.id)
                as_of = now - timedelta(seconds=rng.randint(0, 120))
                uid = f"sim-{svc.id[:8]}-{now.strftime('%Y%m%dT%H%M%S%f')}"
                try:
                    update = schemas.CapacityUpdate.model_validate(demo.next_update(rng, svc, current, as_of, uid))
                except ValidationError as exc:
                    # One implausible draw must not stop the demo's capacity from moving.
                    log.warning("simulated_update_skipped", service_id=svc.id, errors=exc.error_count())
                    continue
                org = organisations.organisation(session, organisation_id=svc.organisation_id)
                assert org is not None
                service.ingest_for(session, actor=None, org=org, settings=settings, updates=[update], now=now)
                if not quiet:
                    console.print(f"{svc.name}: {update.status.value if update.status else 'updated'}")
        done += 1
        if rounds == 0 or done < rounds:
            time.sleep(interval)
