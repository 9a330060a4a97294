"""Binding (约束性) indicators apart: each locality passes or fails each binding indicator in a
year, by the indicator result's `met` (the one test of "target met"); no value or no target is
neither (未报送 / 无目标). The composite index leaves binding indicators out of its dimensions and
applies the configured consequence to a failing locality's rank (docs/methodology.md, "Binding
indicators")."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from planwatch.core.evaluation.indicator import PanelEvaluation
from planwatch.core.evaluation.types import BindingCheck, BindingStatus, IndicatorResult

__all__ = ["binding_checks", "binding_status", "failures", "panel_binding_checks"]


def binding_status(result: IndicatorResult) -> BindingStatus:
    """Pass when the result's `met` is True, fail when False; otherwise not reported (no value) or
    no target (a value, but nothing to judge it by)."""
    if result.met is True:
        return BindingStatus.PASS
    if result.met is False:
        return BindingStatus.FAIL
    if result.value is None:
        return BindingStatus.NOT_REPORTED
    return BindingStatus.NO_TARGET


def binding_checks(
    results: Iterable[IndicatorResult], binding: Sequence[str], localities: Sequence[str]
) -> tuple[BindingCheck, ...]:
    """The checks of the `binding` indicators at the `localities`, in their orders (then by year);
    a locality without a result is not reported."""
    wanted = set(binding)
    by_key = {(r.indicator, r.scope, r.year): r for r in results if r.indicator in wanted}
    years = sorted({year for _, _, year in by_key})
    out = []
    for year in years:
        for code in binding:
            for loc in localities:
                r = by_key.get((code, loc, year))
                out.append(
                    BindingCheck(
                        indicator=code,
                        locality=loc,
                        year=year,
                        status=binding_status(r) if r is not None else BindingStatus.NOT_REPORTED,
                        value=r.value if r is not None else None,
                        target=r.year_target if r is not None else None,  # the target the year is judged by
                    )
                )
    return tuple(out)


def panel_binding_checks(ev: PanelEvaluation, year: int) -> tuple[BindingCheck, ...]:
    """`binding_checks` of the year's results for every binding indicator (the panel's order) at
    every locality, read from the panel evaluation's arrays with no result made: `binding_status`
    of `met`, the value and the year's target as the results would hold them."""
    panel = ev.panel
    chosen = [i for i, spec in enumerate(panel.indicators) if spec.binding]
    y = panel.year_index(year)
    if not chosen:
        return ()
    n_l, shape = len(panel.localities), panel.values.shape
    met = np.broadcast_to(ev.met, shape)[chosen, :n_l, y]
    value = panel.values[chosen, :n_l, y]
    target = np.broadcast_to(ev.year_target, shape)[chosen, :n_l, y]
    status = np.where(
        met == 1,
        0,
        np.where(met >= 0, 1, np.where(np.isnan(value), 2, 3)),
    ).tolist()
    statuses = (BindingStatus.PASS, BindingStatus.FAIL, BindingStatus.NOT_REPORTED, BindingStatus.NO_TARGET)
    out = []
    for a, i in enumerate(chosen):
        code = panel.indicators[i].code
        values, targets = value[a].tolist(), target[a].tolist()
        for s, loc in enumerate(panel.localities):
            v, t = values[s], targets[s]
            out.append(
                BindingCheck(
                    indicator=code,
                    locality=loc.code,
                    year=year,
                    status=statuses[status[a][s]],
                    value=None if v != v else v,
                    target=None if t != t else t,
                )
            )
    return tuple(out)


def failures(checks: Iterable[BindingCheck]) -> Mapping[str, tuple[str, ...]]:
    """Locality → the binding indicators it fails, in the checks' order; only localities failing one."""
    out: dict[str, list[str]] = {}
    for check in checks:
        if check.status == BindingStatus.FAIL and check.indicator not in out.get(check.locality, ()):
            out.setdefault(check.locality, []).append(check.indicator)
    return {loc: tuple(codes) for loc, codes in out.items()}
