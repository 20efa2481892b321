"""Write bench/MUTATION.md from the last `mutmut run` (make mutation): the score per module.

A module's score is killed / (mutants − equivalent survivors). An equivalent survivor is a
mutant no test can tell from the original because it behaves the same; each is listed in
EQUIVALENT below by its function and its changed lines (not by mutmut's number, which moves
when the code does), with the reason. Exits 1 when a module is below TARGET or a survivor
is neither killed nor judged equivalent.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections import defaultdict
from datetime import date
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "MUTATION.md"
TARGET = 0.90
MUTMUT = [sys.executable, "-m", "mutmut"]

# connector/sync/failures.py is mutated whole, but only its back-off policy is pure; the
# rest writes the database (tests/connector/sync/test_failures_policy.py and the sync tests
# hold it) and is not part of this score.
IN_SCOPE = {"connector.sync.failures": {"backoff", "retry_after"}}

_ONE_HYPHEN = (
    "an ISO 3166-2 code has exactly one hyphen (CC-XXX), so every split of it gives the same parts"
)
_CATALOGUES = (
    "`fallback` only matters when a language's catalogue is missing, and pycountry ships "
    "all six of LANGUAGES"
)
_SPLITS = ('.split("-", )', '.rsplit("-", 1)', '.split("-", 2)')
_FALLBACKS = ("fallback=None", "fallback=False", "languages=[lang], )")

# (function, changed text) → why the mutant behaves exactly like the original.
EQUIVALENT: dict[tuple[str, str], str] = {
    ("_key", '.encode("ASCII", "ignore")'): "codec names are case-insensitive",
    **{
        (fn, text): _CATALOGUES
        for fn in ("_country_table", "_subdivision_table")
        for text in _FALLBACKS
    },
    **{
        (fn, var + text): _ONE_HYPHEN
        for fn, var in (
            ("_subdivision_table", "code"),
            ("state_code", "iso"),
            ("_iso_table", "subdivision.code"),
        )
        for text in _SPLITS
    },
    ("_same_place", "if not code and not current:"): (
        "with a code but no text, or a text but no code, the lookups that follow raise "
        "NormalisationError or compare unequal, so the result is False either way"
    ),
    ("observe", '"Sforce-Limit-Info", "XXXX"'): (
        "a missing header read as 'XXXX' matches the pattern no more than ''"
    ),
}


def _results() -> dict[str, str]:
    text = subprocess.run(
        [*MUTMUT, "results", "--all", "true"], cwd=ROOT, capture_output=True, text=True
    ).stdout
    return dict(re.findall(r"^\s*(\S+__mutmut_\d+): (.+)$", text, re.MULTILINE))


def _split(name: str) -> tuple[str, str]:
    """``connector.geo.xǁPicklistsǁstate_code__mutmut_5`` → (``connector.geo``, ``state_code``)."""
    module, _, mangled = name.rpartition(".x")
    function = mangled.split("__mutmut_")[0]
    function = function.split("ǁ")[-1] if "ǁ" in function else function[1:]
    return module, function


def _changed(name: str) -> str:
    diff = subprocess.run([*MUTMUT, "show", name], cwd=ROOT, capture_output=True, text=True).stdout
    added = [line[1:].strip() for line in diff.splitlines() if line.startswith("+ ")]
    return " / ".join(added)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=0, help="how long `mutmut run` took")
    args = parser.parse_args()
    results = _results()
    if not results:
        print("no mutmut results: run `make mutation`", file=sys.stderr)
        return 1
    rows: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    equivalent: list[tuple[str, str, str, str]] = []
    survivors: list[tuple[str, str]] = []
    for name, status in sorted(results.items()):
        module, function = _split(name)
        if module in IN_SCOPE and function not in IN_SCOPE[module]:
            continue
        row = rows[module]
        row["total"] += 1
        if status == "killed":
            row["killed"] += 1
            continue
        changed = _changed(name)
        reason = next(
            (why for (fn, text), why in EQUIVALENT.items() if fn == function and text in changed),
            None,
        )
        if status == "survived" and reason:
            row["equivalent"] += 1
            equivalent.append((name, status, changed, reason))
        else:
            row["survived"] += 1
            survivors.append((name, f"{status}: {changed}"))
    lines = [
        "# Mutation score of the pure core",
        "",
        f"`make mutation` on {date.today().isoformat()}, mutmut {version('mutmut')}: "
        f"`mutmut run --max-children 2` then `python bench/mutation_report.py`"
        + (f"; the run took {args.seconds} s on 2 cores." if args.seconds else "."),
        "Each mutant runs only the fast unit tests that reach it (the `[tool.mutmut]` "
        "selection in pyproject.toml: no emulator; metering's tests use the in-memory "
        "SQLite). Score = killed / (mutants − equivalent). Target: "
        f"{TARGET:.0%} in each module.",
        "",
        "| module | mutants | killed | equivalent | not killed | score |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    below = []
    for module, row in sorted(rows.items()):
        counted = row["total"] - row["equivalent"]
        score = row["killed"] / counted if counted else 1.0
        if score < TARGET:
            below.append(module)
        label = f"{module} (backoff, retry_after)" if module in IN_SCOPE else module
        lines.append(
            f"| {label} | {row['total']} | {row['killed']} | {row['equivalent']} "
            f"| {row['survived']} | {score:.1%} |"
        )
    lines += [
        "",
        "Not mutated by mutmut: module-level constants (the alias tables, NEEDS_A_FIX, "
        "WINDOW, …: behaviour tests hold those) and decorated functions (`@cache`, "
        "`@cached_property`, `@property`), which is why geo's table builders and "
        "`_label_keys` are plain functions wrapped by `cache()`.",
        "",
        "## Equivalent survivors",
        "",
        "| mutant | change | why it is equivalent |",
        "|---|---|---|",
        *(f"| `{n}` | `{c}` | {why} |" for n, _, c, why in equivalent),
        "",
        "## Not killed, not equivalent",
        "",
        *([f"- `{n}` — {what}" for n, what in survivors] or ["None."]),
        "",
    ]
    OUT.write_text("\n".join(lines), encoding="utf-8")
    print(OUT.read_text(encoding="utf-8"))
    if below:
        print(f"below {TARGET:.0%}: {', '.join(below)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
