"""The figures a level shows beside current capacity: the discharge summary and a hospital's
wards (held between discharge events), and free capacity on past days (held as history)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from joinedup.db.tenancy import Scope
from joinedup.domains.visibility.service import discharge_sources, held_figures, snapshots
from joinedup.domains.visibility.service.context import Context
from joinedup.domains.visibility.service.other_domains import DischargeSummary, WardFigure
from joinedup.domains.visibility.service.published_series import TrustSeriesFigures
from joinedup.domains.visibility.service.tables import CHANGE_DAYS


def _published_summary(ctx: Context, org_ids: frozenset[str]) -> DischargeSummary:
    # The published series concern a few trusts: read them through a session narrowed to those.
    trusts = frozenset(ctx.trusts_with_series(org_ids))
    with ctx.narrowed(trusts) as session:
        return discharge_sources.PUBLISHED.summary(session, organisation_ids=trusts)


def _visible_set(ctx: Context) -> frozenset[str] | None:
    scope = ctx.session.info.get("scope")
    return scope.organisation_ids if isinstance(scope, Scope) else None


def discharge_summary(ctx: Context, org_ids: frozenset[str]) -> DischargeSummary:
    """The level's discharge figures; the published series where it has no discharge records."""
    source = discharge_sources.source()
    if type(source) is TrustSeriesFigures:
        return _published_summary(ctx, org_ids)
    visible = _visible_set(ctx)
    if visible is None:  # an unscoped session: nothing to key a shared result on
        summary = source.summary(ctx.session, organisation_ids=org_ids)
    else:
        # Held under the exact visibility set that read it: a caller only ever gets what a
        # caller with the same set read.
        key = (id(source), visible, org_ids, ctx.now.date())
        summary = held_figures.cache_for(ctx.state.bus).get(
            key, lambda: source.summary(ctx.session, organisation_ids=org_ids)
        )
    if summary.as_of is None and not (summary.demand or summary.waiting or summary.delays or summary.referrals):
        # No discharge records at this level (a trust not using joinedup's ward list yet):
        # show what the trusts publish rather than nothing.
        return _published_summary(ctx, org_ids)
    return summary


def wards(ctx: Context, organisation_id: str) -> Sequence[WardFigure]:
    """A hospital's wards with their counts, held like the summaries (until a discharge event)."""
    source = discharge_sources.source()
    visible = _visible_set(ctx)
    if visible is None:
        return source.wards(ctx.session, organisation_id=organisation_id)
    key = ("wards", id(source), visible, organisation_id, ctx.now.date())
    held: Sequence[WardFigure] = held_figures.cache_for(ctx.state.bus).get(
        key, lambda: tuple(source.wards(ctx.session, organisation_id=organisation_id))
    )
    return held


def free_then(
    ctx: Context, *, place_id: str | None = None, organisation_id: str | None = None
) -> dict[str, dict[str, float]]:
    """Free capacity by type of care 7 and 28 days ago, from the daily snapshots."""
    # Past days do not change: held per visibility set (the same rows for the same set).
    key = (
        "free_then",
        ctx.actor.system_id,
        ctx.actor.visible_organisation_ids,
        place_id,
        organisation_id,
        ctx.now.date(),
    )
    today = ctx.now.date()
    days = {today - timedelta(days=n): label for label, n in CHANGE_DAYS.items()}
    held: dict[str, dict[str, float]] = held_figures.history_for(ctx.state.bus).get(
        key,
        lambda: snapshots.free_on(
            ctx.session, system_id=ctx.actor.system_id, days=days, place_id=place_id, organisation_id=organisation_id
        ),
    )
    return held
