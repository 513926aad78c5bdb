"""KTAP for the host tests written in Python (judge_test.py, report_test.py).

Each test is a function that returns True when it passes; register it with
@case and end the file with sys.exit(run()).
"""

CASES = []


def case(fn):
    CASES.append(fn)
    return fn


def run():
    """Run every case in order and print KTAP; 1 if any failed."""
    print("KTAP version 1")
    print("1..%d" % len(CASES))
    bad = 0
    for i, fn in enumerate(CASES, 1):
        try:
            ok = bool(fn())
        except Exception as e:  # a crash is a failure, not a harness abort
            print("# %s raised %r" % (fn.__name__, e))
            ok = False
        bad += not ok
        print("%s %d %s" % ("ok" if ok else "not ok", i, fn.__name__))
    return 1 if bad else 0
