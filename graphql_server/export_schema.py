"""Write the schema's SDL to ``graphql_server/schema.graphql`` (checked in; a test fails when it drifts).

python -m graphql_server.export_schema          # rewrite the file
python -m graphql_server.export_schema --check  # exit 1 when the file is out of date
"""

from __future__ import annotations

import sys
from pathlib import Path

from graphql_server.schema import build_schema
from graphql_server.settings import ServerSettings

SCHEMA_FILE = Path(__file__).with_name("schema.graphql")


def schema_sdl() -> str:
    # The SDL does not depend on the settings (they only tune guards); fixed defaults keep it reproducible.
    return build_schema(ServerSettings(database_url="sqlite://")).as_str() + "\n"


def main(argv: list[str]) -> int:
    sdl = schema_sdl()
    if "--check" in argv:
        current = SCHEMA_FILE.read_text(encoding="utf-8") if SCHEMA_FILE.exists() else ""
        if current != sdl:
            print(f"{SCHEMA_FILE.name} is out of date: run python -m graphql_server.export_schema", file=sys.stderr)
            return 1
        return 0
    SCHEMA_FILE.write_text(sdl, encoding="utf-8")
    print(f"wrote {SCHEMA_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
