"""The `joinedup` command."""

from __future__ import annotations

import threading
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from typer.core import TyperGroup

from joinedup.config import Settings, get_settings
from joinedup.core.auth.secrets import hash_password, password_problem
from joinedup.core.permissions import Role
from joinedup.db import migrate as migrations
from joinedup.db.session import connection_problem, make_engine, make_session_factory, scoped_session
from joinedup.db.tenancy import Scope
from joinedup.domains.capacity import cli as capacity_cli
from joinedup.domains.homecare import cli as roster_cli
from joinedup.domains.neighbourhoods import cli as neighbourhoods_cli
from joinedup.domains.visibility import cli as visibility_cli
from joinedup.web.render import STATIC_DIR


def database_problem() -> str | None:
    """What is wrong with JOINEDUP_DATABASE_URL, on one line, or None if it can be used."""
    try:
        url = get_settings().database_url
    except ValueError:
        return None  # a settings problem, reported as such by the command
    try:
        return migrations.schema_problem(url)
    except FileNotFoundError:  # no alembic.ini here: at least say whether the database answers
        return connection_problem(url)


class Commands(TyperGroup):
    """Every command, its subcommands included: a database that cannot be used (wrong URL,
    server down, no schema) is one line naming JOINEDUP_DATABASE_URL and exit status 2, never a
    traceback. Any other error is raised as it is."""

    def invoke(self, ctx: Any) -> Any:  # typer's own (vendored) click Context
        try:
            return super().invoke(ctx)
        except (SQLAlchemyError, ImportError):
            problem = database_problem()
            if problem is None:
                raise
            typer.echo(problem, err=True)
            raise typer.Exit(2) from None


app = typer.Typer(
    cls=Commands, help="joinedup: one live, trusted picture for an Integrated Care System.", no_args_is_help=True
)
app.add_typer(roster_cli.app, name="roster")
app.add_typer(visibility_cli.app, name="visibility")
app.add_typer(neighbourhoods_cli.app, name="neighbourhoods")
app.command("push")(capacity_cli.push)
app.command("simulate-capacity")(capacity_cli.simulate)
console = Console()


def _settings() -> Settings:
    try:
        return get_settings()
    except ValueError as exc:
        console.print(f"[red]Configuration error:[/red] {exc}")
        raise typer.Exit(2) from None


@app.command()
def migrate() -> None:
    """Bring the database schema up to date."""
    settings = _settings()
    migrations.upgrade(settings.database_url)
    console.print("Database is up to date.")


@app.command()
def seed(
    demo_users: Annotated[
        bool, typer.Option("--demo-users/--no-demo-users", help="Also add one demo sign-in per role (development only)")
    ] = False,
) -> None:
    """Load Trafford's real organisations (care homes, GP practices, trust, council, ICB)."""
    from joinedup.demo.seed import describe, seed_demo_users, seed_trafford

    settings = _settings()
    if demo_users and settings.environment != "development":
        console.print("[red]--demo-users[/red] is for development only: it creates accounts with a published password.")
        raise typer.Exit(2)
    factory = make_session_factory(make_engine(settings.database_url))
    with scoped_session(factory, Scope.system("cli seed")) as session:
        counts = seed_trafford(session)
        logins = seed_demo_users(session) if demo_users else []
    console.print(f"Trafford loaded: {counts}")
    if logins:
        _print_logins(describe(logins))


def _print_logins(rows: list[tuple[str, str, str]]) -> None:
    from joinedup.demo.seed import DEMO_PASSWORD

    table = Table(title=f"Demo sign-ins (password for all: {DEMO_PASSWORD}) — synthetic people")
    for column in ("Role", "E-mail", "Organisation"):
        table.add_column(column, no_wrap=column == "E-mail")
    for row in rows:
        table.add_row(*row)
    console.print(table)


@app.command("create-admin")
def create_admin(
    email: Annotated[str, typer.Option(prompt=True, help="Administrator's e-mail address")],
    name: Annotated[str, typer.Option(prompt=True, help="Administrator's full name")],
    ods_code: Annotated[str, typer.Option(help="ODS code of the ICB the administrator belongs to")] = "QOP",
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)] = "",
) -> None:
    """Create a system administrator for a care system's ICB."""
    from joinedup.core.auth.models import Membership, User
    from joinedup.core.changes import record_change
    from joinedup.domains.organisations.models import Organisation
    from joinedup.domains.organisations.schemas import OrganisationType

    if problem := password_problem(password):
        console.print(f"[red]password:[/red] {problem}")
        raise typer.Exit(2)
    if "@" not in email or len(email) > 254:
        console.print("[red]email:[/red] not an e-mail address")
        raise typer.Exit(2)
    settings = _settings()
    factory = make_session_factory(make_engine(settings.database_url))
    with scoped_session(factory, Scope.system("cli create-admin")) as session:
        org = session.scalars(
            select(Organisation).where(
                Organisation.ods_code == ods_code.upper(), Organisation.type == OrganisationType.ICB
            )
        ).first()
        if org is None:
            console.print(f"[red]ods-code:[/red] no ICB with ODS code {ods_code!r}; run `joinedup seed` first")
            raise typer.Exit(2)
        if session.scalars(select(User).where(User.email == email.lower())).first():
            console.print("[red]email:[/red] a user with this e-mail address already exists")
            raise typer.Exit(2)
        user = User(email=email.lower(), display_name=name, password_hash=hash_password(password))
        session.add(user)
        session.flush()
        session.add(
            Membership(user_id=user.id, organisation_id=org.id, system_id=org.system_id, role=Role.SYSTEM_ADMINISTRATOR)
        )
        record_change(
            session,
            actor=None,
            action="user.create",
            topic="user.created",
            record_type="user",
            record_id=user.id,
            organisation_id=org.id,
            system_id=org.system_id,
            personal_data=True,
            detail={"roles": [Role.SYSTEM_ADMINISTRATOR.value]},
        )
    console.print(f"Administrator created for {org.name}.")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Server processes; more than one needs PostgreSQL (docs/deployment.md)")
    ] = 1,
) -> None:
    """Serve the web pages, the JSON API (/api/v1) and the FHIR facade (/fhir/R4)."""
    import uvicorn

    from joinedup.core import load

    settings = _settings()
    if workers > 1 and settings.is_sqlite:
        typer.echo(
            "--workers: more than one server process needs PostgreSQL (JOINEDUP_DATABASE_URL); "
            "on SQLite joinedup runs as one process",
            err=True,
        )
        raise typer.Exit(2)
    if problem := migrations.schema_problem(settings.database_url):
        typer.echo(problem, err=True)
        raise typer.Exit(2)
    if not (STATIC_DIR / "vendor" / "nhsuk").exists():
        console.print("[yellow]NHS.UK frontend assets are missing:[/yellow] run `scripts/build-frontend.sh`.")
    # The app itself believes X-Forwarded-* only from JOINEDUP_TRUSTED_PROXIES; uvicorn believes no one.
    # Several workers share events, once-only jobs and cache refreshes through PostgreSQL (core.cluster).
    # Headers that do not arrive in time, idle keep-alive connections, too many connections (core.load).
    uvicorn.run(
        "joinedup.main:create_app",
        factory=True,
        host=host,
        port=port,
        proxy_headers=False,
        workers=workers,
        **load.server_options(settings),
    )


@app.command()
def demo(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on")] = 8000,
    simulate: Annotated[bool, typer.Option(help="Keep the synthetic capacity changing every few seconds")] = True,
) -> None:
    """Migrate, load Trafford with demo sign-ins, and serve at http://HOST:PORT."""
    migrate()
    seed(demo_users=True)
    if simulate:
        # Providers' systems "report in" while the demo runs, so live pages visibly change.
        threading.Thread(
            target=capacity_cli.simulate,
            kwargs={"rounds": 0, "interval": 10.0, "changes": 3, "quiet": True},
            daemon=True,
            name="capacity-simulator",
        ).start()
        console.print("Synthetic capacity changes every 10 seconds (--no-simulate to stop it).")
    console.print(f"Open http://{host}:{port} in a browser.")
    serve(host=host, port=port)


if __name__ == "__main__":
    app()
