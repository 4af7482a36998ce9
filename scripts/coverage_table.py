"""Print the README's coverage table (area → endpoints → stateful or not) from the endpoint table.

python scripts/coverage_table.py > coverage.md
"""

from __future__ import annotations

from collections import defaultdict

from openai_responses._endpoints import ENDPOINTS, Endpoint


def area(endpoint: Endpoint) -> str:
    parts = endpoint.sdk.split(".")
    if parts[0] in ("beta", "admin") and len(parts) > 2:
        return ".".join(parts[:2]) if parts[0] == "beta" else "admin.organization"
    return ".".join(parts[:-1]) or parts[0]


def main() -> None:
    groups: dict[str, list[Endpoint]] = defaultdict(list)
    for endpoint in ENDPOINTS:
        groups[
            area(endpoint).split(".")[0]
            if not endpoint.sdk.startswith(("beta.", "admin."))
            else area(endpoint)
        ].append(endpoint)
    print("| Area | Endpoints | Methods | Stateful |")
    print("|---|---|---|---|")
    for name in sorted(groups):
        rows = groups[name]
        stateful = sum(1 for r in rows if r.stateful)
        methods = ", ".join(sorted(r.sdk.removeprefix(name + ".") for r in rows))
        state = (
            "yes"
            if stateful == len(rows)
            else ("no" if not stateful else f"{stateful}/{len(rows)}")
        )
        print(f"| `{name}` | {len(rows)} | {methods} | {state} |")
    total = len(ENDPOINTS)
    print(f"\n{total} endpoints, {sum(1 for r in ENDPOINTS if r.stateful)} stateful.")


if __name__ == "__main__":
    main()
