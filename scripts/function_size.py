#!/usr/bin/env python3
"""Lists functions longer than a limit (default 80 lines) in the project's
own sources: host/, cli/, agent/, wire/ (tests and generated code aside).

Exits 1 when any is found that scripts/function_size.allow does not list
(the long functions not yet split, "PATH: NAME" a line; a listed function
may not grow past the length written beside it). Relies on clang-format's layout, which the CI
check keeps: a function defined at namespace level starts at column 0 and
its closing brace is the next line that is exactly "}" at column 0. A
function defined inside a class body (indented) is not measured.

Usage: scripts/function_size.py [--limit N] [--all] [FILE...]
"""
import argparse
import pathlib
import re
import sys

ROOTS = ["host", "cli", "agent", "wire"]
SKIP_START = re.compile(
    r"^(\s|#|//|/\*|\*|}|namespace\b|class\b|struct\b|enum\b|union\b|using\b|"
    r"extern\b|typedef\b|static_assert\b|template\s*<[^>]*>\s*$)")


def functions(path):
    lines = path.read_text(errors="replace").split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line or SKIP_START.match(line) or "(" not in line:
            i += 1
            continue
        # The signature may wrap; its body opens on the line ending in "{".
        j = i
        while j < len(lines) and not lines[j].rstrip().endswith("{"):
            if lines[j].rstrip().endswith(";") or (j > i and lines[j] and
                                                    not lines[j][0].isspace()):
                break
            j += 1
        if j >= len(lines) or not lines[j].rstrip().endswith("{"):
            i += 1
            continue
        if "=" in line.split("(")[0]:  # a variable's initializer, not a body
            i += 1
            continue
        k = j + 1
        while k < len(lines) and not re.match(r"^}", lines[k]):
            k += 1
        name = re.sub(r"\s+", " ", line.split("(")[0]).strip()
        yield name, i + 1, k - i + 1
        i = k + 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=80)
    ap.add_argument("--all", action="store_true", help="list every function")
    ap.add_argument("--allow", default=None,
                    help="allow-list file (default scripts/function_size.allow)")
    ap.add_argument("files", nargs="*")
    args = ap.parse_args()
    top = pathlib.Path(__file__).resolve().parent.parent
    files = [pathlib.Path(f) for f in args.files] or [
        p for r in ROOTS for p in sorted((top / r).rglob("*"))
        if p.suffix in (".cpp", ".h", ".c")]
    allow = {}
    allow_file = pathlib.Path(args.allow or top / "scripts/function_size.allow")
    if allow_file.exists():
        for line in allow_file.read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                where, most = line.rsplit(" ", 1)
                allow[where] = int(most)
    over = 0
    for f in files:
        for name, start, length in functions(f):
            rel = f.resolve().relative_to(top)
            listed = allow.get(f"{rel}: {name}")
            bad = length > max(args.limit, listed or 0)
            if args.all or bad:
                print(f"{rel}:{start}: {name}: {length} lines" +
                      (f" (allowed {listed})" if listed else ""))
                over += bad
    if over and not args.all:
        print(f"{over} function(s) over {args.limit} lines", file=sys.stderr)
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
