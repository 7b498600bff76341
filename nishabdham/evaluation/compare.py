"""Two evaluation runs side by side, and the regression guard.

:func:`compare_runs` lines up two runs figure by figure, per language and per
reviewer's error tag, and row by row (rows are matched by their id, which is
the same on every machine). :func:`regressions` is what ``make eval-dev``
and the test suite use to fail when CER or WER got worse than a committed
baseline by more than :data:`TOLERANCE`.
"""

from __future__ import annotations

from dataclasses import dataclass

from nishabdham.evaluation.evaluate import EvalRun, RowScore, Scores

#: CER and WER may exceed the baseline by at most this much (absolute, 0.02 = 2 points)
#: before the guard fails, or by what :data:`UNITS` words of the group's reference weigh
#: (``UNITS / words``; for CER too, as a word that comes out differently moves about
#: its share of the characters) when that is more.
TOLERANCE = 0.02
#: Decodes are not exactly repeatable: Whisper's temperature fallback samples, and int8
#: arithmetic differs between CPUs. On the ten-clip held-out fold (36 words) one word is
#: 0.028 of WER, and two runs of the same code on two machines differed by just that one
#: word; so a group may also move by this many of its reference words. A real regression
#: moves a figure by far more.
UNITS = 2

#: The figures a comparison shows, in order.
FIGURES = (
    "n",
    "wer",
    "cer",
    "telugu_script_share",
    "english_wer",
    "switch_point_accuracy",
    "start_error_ms",
    "end_error_ms",
    "rule_break_share",
)

#: Figures where a larger value is better (for everything else smaller is better).
HIGHER_IS_BETTER = frozenset({"telugu_script_share", "switch_point_accuracy"})

#: The figures the regression guard watches.
GUARDED = ("cer", "wer")


@dataclass(frozen=True, slots=True)
class FigureChange:
    group: str
    figure: str
    before: float | None
    after: float | None

    @property
    def delta(self) -> float | None:
        return None if self.before is None or self.after is None else self.after - self.before

    @property
    def verdict(self) -> str:
        """``better``, ``worse``, ``same`` or ``""`` when one side has no value."""
        delta = self.delta
        if delta is None or self.figure == "n":
            return ""
        if abs(delta) < 1e-9:
            return "same"
        better = delta > 0 if self.figure in HIGHER_IS_BETTER else delta < 0
        return "better" if better else "worse"


@dataclass(frozen=True, slots=True)
class RowChange:
    id: str
    reference: str
    before: RowScore | None
    after: RowScore | None

    @property
    def cer_delta(self) -> float | None:
        a, b = (self.before.cer if self.before else None), (self.after.cer if self.after else None)
        return None if a is None or b is None else b - a


@dataclass(frozen=True, slots=True)
class Comparison:
    figures: tuple[FigureChange, ...]
    rows: tuple[RowChange, ...]
    same_evalset: bool

    def changed_rows(self) -> list[RowChange]:
        """Rows whose output changed, or that are in one run only; biggest CER change first."""
        out = [
            r
            for r in self.rows
            if r.before is None
            or r.after is None
            or r.before.hypothesis != r.after.hypothesis
            or r.before.error != r.after.error
        ]
        return sorted(out, key=lambda r: -abs(r.cer_delta or 0.0))


def _groups(run: EvalRun) -> dict[str, Scores]:
    groups: dict[str, Scores] = {"all": run}
    groups.update({f"lang {k}": v for k, v in run.by_lang.items()})
    groups.update({f"tag {k}": v for k, v in run.by_category.items()})
    groups.update({f"speaker {k}": v for k, v in run.by_speaker.items()})
    if run.held_out is not None:
        groups["held-out fold"] = run.held_out
    return groups


def compare_runs(before: EvalRun, after: EvalRun) -> Comparison:
    """Every figure of every group in either run, and every row, matched by id."""
    a, b = _groups(before), _groups(after)
    figures = []
    for group in list(a) + [g for g in b if g not in a]:
        for figure in FIGURES:
            old = getattr(a[group], figure) if group in a else None
            new = getattr(b[group], figure) if group in b else None
            if old is not None or new is not None:
                figures.append(FigureChange(group, figure, old, new))
    rows_a, rows_b = {r.id: r for r in before.rows}, {r.id: r for r in after.rows}
    rows = [
        RowChange(key, (rows_a.get(key) or rows_b[key]).reference, rows_a.get(key), rows_b.get(key))
        for key in list(rows_a) + [k for k in rows_b if k not in rows_a]
    ]
    return Comparison(tuple(figures), tuple(rows), bool(before.evalset) and before.evalset == after.evalset)


def format_comparison(comparison: Comparison, before_name: str = "A", after_name: str = "B", max_rows: int = 20) -> str:
    """A plain-text report of a comparison, for the terminal."""
    lines = []
    if not comparison.same_evalset:
        lines.append("note: the runs are on different evaluation-set versions; compare rows, not totals")
    lines.append(f"{'group':<24} {'figure':<22} {before_name:>10} {after_name:>10} {'change':>10}")
    for f in comparison.figures:
        lines.append(
            f"{f.group:<24} {f.figure:<22} {_fmt(f.before):>10} {_fmt(f.after):>10} {_fmt(f.delta, signed=True):>10} {f.verdict}"
        )
    changed = comparison.changed_rows()
    lines.append("")
    lines.append(f"rows whose output changed: {len(changed)} of {len(comparison.rows)}")
    for r in changed[:max_rows]:
        lines.append(
            f"  {r.id}: CER {_fmt(r.before.cer if r.before else None)} -> {_fmt(r.after.cer if r.after else None)}"
        )
        lines.append(f"    reference: {r.reference}")
        lines.append(f"    {before_name}: {_row_text(r.before)}")
        lines.append(f"    {after_name}: {_row_text(r.after)}")
    if len(changed) > max_rows:
        lines.append(f"  ... and {len(changed) - max_rows} more")
    return "\n".join(lines)


def _row_text(row: RowScore | None) -> str:
    if row is None:
        return "(not in this run)"
    return f"(failed: {row.error})" if row.error else row.hypothesis


def _fmt(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "-"
    if isinstance(value, int):
        return f"{value:+d}" if signed else str(value)
    return f"{value:+.4f}" if signed else f"{value:.4f}"


def regressions(run: EvalRun, baseline: EvalRun, tolerance: float = TOLERANCE, units: int = UNITS) -> list[str]:
    """What got worse than the baseline beyond ``tolerance`` (or ``units`` of the group's reference
    words, when more): CER and WER overall, per language and speaker, lost rows."""
    found = []
    current, base, sizes = _groups(run), _groups(baseline), _reference_sizes(baseline)
    for group, scores in base.items():
        if group.startswith("tag "):
            continue
        now = current.get(group)
        if now is None or now.n < scores.n:
            found.append(f"{group}: {now.n if now else 0} rows scored, the baseline scored {scores.n}")
            continue
        for figure in GUARDED:
            old, new = getattr(scores, figure), getattr(now, figure)
            words = sizes.get(group, 0)
            allowed = max(tolerance, units / words) if words else tolerance
            if old is not None and new is not None and new > old + allowed + 1e-4:  # figures are rounded to 4 places
                found.append(
                    f"{group}: {figure.upper()} {new:.4f} is worse than the baseline {old:.4f} by more than {allowed:.3g}"
                )
    return found


def _reference_sizes(run: EvalRun) -> dict[str, int]:
    """Reference words of each group of the run, from its rows."""
    members: dict[str, list[RowScore]] = {"all": list(run.rows)}
    for row in run.rows:
        members.setdefault(f"lang {row.lang}", []).append(row)
        if row.speaker:
            members.setdefault(f"speaker {row.speaker}", []).append(row)
    if run.tuned_on:
        members["held-out fold"] = [
            r for r in run.rows if r.speaker and r.speaker not in run.tuned_on and r.lang == "te"
        ]
    return {group: sum(r.words.reference for r in rows) for group, rows in members.items()}
