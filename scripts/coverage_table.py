"""Print the README's coverage table (area → endpoints → stateful or not) from the endpoint table.

python scripts/coverage_table.py            # with every method of each area
python scripts/coverage_table.py --brief    # area, endpoint count, stateful
python scripts/coverage_table.py --readme   # rewrite the brief table inside README.md
"""

from __future__ import annotations

import argparse
import re
from collections import defaultdict
from pathlib import Path

import openai

from openai_responses._endpoints import ENDPOINTS, Endpoint

README = Path(__file__).resolve().parents[1] / "README.md"
MARKERS = ("<!-- coverage:start -->", "<!-- coverage:end -->")


def area(endpoint: Endpoint) -> str:
    parts = endpoint.sdk.split(".")
    if parts[0] == "beta" and len(parts) > 2:
        return ".".join(parts[:2])
    if parts[0] == "admin":
        return "admin.organization"
    return parts[0]


def table(brief: bool) -> str:
    groups: dict[str, list[Endpoint]] = defaultdict(list)
    for endpoint in ENDPOINTS:
        groups[area(endpoint)].append(endpoint)
    header = (
        "| Area | Endpoints | Stateful |" if brief else "| Area | Endpoints | Methods | Stateful |"
    )
    lines = [header, "|---|---|---|" if brief else "|---|---|---|---|"]
    for name in sorted(groups):
        rows = groups[name]
        stateful = sum(1 for r in rows if r.stateful)
        state = (
            "yes"
            if stateful == len(rows)
            else ("no" if not stateful else f"{stateful}/{len(rows)}")
        )
        methods = ", ".join(sorted(r.sdk.removeprefix(name + ".") for r in rows))
        middle = "" if brief else f" {methods} |"
        lines.append(f"| `{name}` | {len(rows)} |{middle} {state} |")
    stateful_total = sum(1 for r in ENDPOINTS if r.stateful)
    lines.append("")
    lines.append(
        f"{len(ENDPOINTS)} endpoints, {stateful_total} stateful (openai {openai.__version__})."
    )
    return "\n".join(lines)


def write_readme() -> None:
    text = README.read_text()
    start, end = MARKERS
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.DOTALL)
    README.write_text(pattern.sub(f"{start}\n{table(brief=True)}\n{end}", text))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--brief", action="store_true", help="without the methods column")
    parser.add_argument("--readme", action="store_true", help="rewrite the table in README.md")
    args = parser.parse_args()
    if args.readme:
        write_readme()
    else:
        print(table(args.brief))


if __name__ == "__main__":
    main()
