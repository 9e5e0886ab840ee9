#!/usr/bin/env bash
# Prints every pair of sibling modules of a crate that refer to each other, at every level of the module tree
# (`crate::a` in b and `crate::b` in a at the top; `crate::wizard::link` in `wizard/register/…` and back one
# level down; `super::x` and `self::x` count too). Comments are ignored, and so is a file's trailing test module
# (`#[cfg(test)] mod tests`, last in the file by clippy's `items_after_test_module`): a test may reach anywhere,
# what ships may not. Exit status 1 when there is a pair.
# `make test` runs it over app/src and server/src. Usage:
#   scripts/module-cycles.sh [crate src dir, default app/src]
set -euo pipefail
exec python3 - "${1:-app/src}" <<'PY'
import os, re, sys

root = sys.argv[1]

def module_path(file):
    """`wizard/register/basic.rs` -> ['wizard', 'register', 'basic']; mod.rs / lib.rs name their folder."""
    rel = os.path.relpath(file, root)[:-3].split(os.sep)
    if rel[-1] in ("mod", "lib", "main"):
        rel = rel[:-1]
    return rel

def references(file):
    """Absolute module paths a file names (`crate::a::b`, `super::a`, `self::a`), as lists."""
    here = module_path(file)
    # `super` in `a/b.rs` or `a/b/mod.rs` is `a`.
    parent = here[:-1]
    text = "\n".join(line.split("//", 1)[0] for line in open(file, encoding="utf-8"))
    test_module = re.search(r"^#\[cfg\([^\n]*\btest\b[^\n]*\)\]\s*\n(?:#\[[^\n]*\]\s*\n)*mod \w+ \{", text, re.M)
    if test_module:
        text = text[: test_module.start()]
    found = []
    for m in re.finditer(r"\b(crate|super|self)((?:::[a-z_][a-z0-9_]*)+)", text):
        names = m.group(2).split("::")[1:]
        base = {"crate": [], "super": parent, "self": here}[m.group(1)]
        found.append(base + names)
    # `use crate::x::{a, b}` names a and b too.
    for m in re.finditer(r"\b(crate|super|self)((?:::[a-z_][a-z0-9_]*)*)::\{([^}]*)\}", text):
        base = {"crate": [], "super": parent, "self": here}[m.group(1)] + m.group(2).split("::")[1:]
        for name in re.findall(r"\b([a-z_][a-z0-9_]*)\b", m.group(3)):
            found.append(base + [name])
    return here, found

edges = set()
for dirpath, _, files in os.walk(root):
    for f in files:
        if not f.endswith(".rs"):
            continue
        here, refs = references(os.path.join(dirpath, f))
        for target in refs:
            # The first level where the two paths part: the siblings that depend on each other.
            i = 0
            while i < len(here) and i < len(target) and here[i] == target[i]:
                i += 1
            if i < len(here) and i < len(target):
                a, b = "::".join(here[: i + 1]), "::".join(target[: i + 1])
                edges.add((a, b))

# Only modules that exist (a path such as `crate::i18n::t` names an item, not a file, and is harmless).
def exists(path):
    p = os.path.join(root, *path.split("::"))
    return os.path.isfile(p + ".rs") or os.path.isdir(p)

pairs = sorted({tuple(sorted((a, b))) for a, b in edges if (b, a) in edges and exists(a) and exists(b)})
for a, b in pairs:
    print(f"{a} <-> {b}")
sys.exit(1 if pairs else 0)
PY
