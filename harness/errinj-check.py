#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check the error-injection points of the project's kernel sources.

ALLOW_ERROR_INJECTION(fn, ERRNO) tells fail_function and BPF's
bpf_override_return() that fn reports failure as a negative errno in an
integer. A function returning a pointer (ERR_PTR() or NULL) is another
type (NULL, ERRNO_NULL) or no injection point at all. One KTAP result per
injection point: its function must be defined in the same file with an
int or long return type.

Usage: errinj-check.py [--start N] FILE...   (KTAP lines, no header)
"""
import re
import sys

ETYPE_RETURNS = {"ERRNO": ("int", "long"), "ERRNO_NULL": None,
                 "NULL": None, "TRUE": ("bool",), "FALSE": ("bool",)}


def definition(src, fn):
    """The return type of fn's definition in src, or None."""
    pat = re.compile(r"^((?:static|noinline|inline|__\w+|\s)*)([\w\s]+?[\s\*]+)"
                     + re.escape(fn) + r"\s*\([^;]*?\)\s*\{", re.M | re.S)
    m = pat.search(src)
    if not m:
        return None
    return " ".join(m.group(2).split())


def main(argv):
    start = 0
    if argv[:1] == ["--start"]:
        start, argv = int(argv[1]), argv[2:]
    n = start
    bad = 0
    for path in argv:
        src = open(path, encoding="utf-8").read()
        for fn, etype in re.findall(r"ALLOW_ERROR_INJECTION\((\w+),\s*(\w+)\)", src):
            n += 1
            ret = definition(src, fn)
            allowed = ETYPE_RETURNS.get(etype)
            desc = f"error injection {path}:{fn} ({etype})"
            if ret is None:
                print(f"# {fn}: no definition found in {path}")
                ok = False
            elif allowed is None:
                ok = "*" in ret
            else:
                ok = "*" not in ret and ret.split()[-1] in allowed
            if not ok:
                bad += 1
                print(f"# {fn} returns '{ret}', which {etype} injection does not describe")
            print(f"{'ok' if ok else 'not ok'} {n} {desc}")
    return n - start, bad


if __name__ == "__main__":
    count, failed = main(sys.argv[1:])
    sys.exit(1 if failed else 0)
