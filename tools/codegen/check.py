"""`make codegen-check`: GraphQL Code Generator's client preset on the served schema, without warnings or unknowns.

Prints the schema the API serves to .codegen/schema.graphql, runs the codegen that npm installed in
.codegen/ with tools/codegen/codegen.yml over tools/codegen/documents/, and fails when codegen fails or
warns, or when a generated result or variables type holds an `unknown` or `any` (a scalar a client
could not type).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / ".codegen"
CODEGEN = WORK / "node_modules" / ".bin" / "graphql-codegen"
CONFIG = "../tools/codegen/codegen.yml"
TYPES = WORK / "generated" / "graphql.ts"
WARNING = re.compile(r"warn|⚠", re.IGNORECASE)
UNTYPED = re.compile(r"\b(unknown|any)\b")
COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
SCALAR_FIELDS = ("releaseDate: string", "purchasedAt: string", "amount: string")
"""Fields of the sample documents typed by the Date, DateTime and Decimal mappings."""


def export_schema(path: Path) -> None:
    """The SDL of the schema the API serves (descriptions and @specifiedBy included)."""
    from api.schema import build_schema

    path.write_text(build_schema().as_str() + "\n", encoding="utf-8")


def problems(output: str, types: str) -> list[str]:
    """What is wrong with a codegen run: its warnings, and result or variable types left untyped."""
    found = [f"codegen warned: {line.strip()}" for line in output.splitlines() if WARNING.search(line)]
    for line in COMMENT.sub("", types).splitlines():
        # The documents' `as unknown as DocumentNode<…>` casts and the preset's own Exact helper are no data types.
        if line.startswith(("export const ", "type Exact<")):
            continue
        if UNTYPED.search(line):
            found.append(f"untyped: {line.strip()[:200]}")
    found += [f"no `{field}` in the generated types" for field in SCALAR_FIELDS if field not in types]
    return found


def main() -> int:
    """Run the check; 0 when the generated client is fully typed."""
    if not CODEGEN.exists():
        print(f"codegen-check: {CODEGEN} is missing (make codegen-check installs it)", file=sys.stderr)
        return 1
    export_schema(WORK / "schema.graphql")
    run = subprocess.run([str(CODEGEN), "--config", CONFIG, "--silent=false"], cwd=WORK,
                         capture_output=True, text=True, check=False)
    output = run.stdout + run.stderr
    if run.returncode != 0:
        print(output, file=sys.stderr)
        print(f"codegen-check: graphql-codegen exited with {run.returncode}", file=sys.stderr)
        return 1
    found = problems(output, TYPES.read_text(encoding="utf-8"))
    for problem in found:
        print(f"codegen-check: {problem}", file=sys.stderr)
    if not found:
        print(f"codegen-check: {TYPES.relative_to(ROOT)} is fully typed (Date, DateTime, Decimal: string)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
