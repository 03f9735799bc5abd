#!/usr/bin/env python3
"""Session 24: two target-FAR sweeps recorded in a card (signature-measure.ts sweep --record), pooled.

   python3 docs/experiments/signatures/pool-sweeps.py MODEL_DIR RECORD_A RECORD_B

Each record holds, per validation target f and number of references R, the forgery FAR and genuine FRR pooled
over its own writers. When both records have the same number of pairs at each R (CEDAR's writers all have 24
genuine signatures and 24 forgeries, and each fold pair here holds 17 writers), the rate over the union is the
mean of the two: (a·n + b·n) / 2n. The script checks the writers are disjoint and the pair counts equal (from
the matching cross-validation records, RECORD without "-target-far") and refuses otherwise. Intervals need the
pairs themselves, so none are printed.
"""
import json
import sys


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    card = json.load(open(f"{argv[0]}/model-card.json"))
    ev = card.get("evaluations", {})
    a, b = (ev.get(name) for name in argv[1:])
    if a is None or b is None:
        print(f"records missing from the card: {[n for n in argv[1:] if n not in ev]}", file=sys.stderr)
        return 1
    if set(a["writers"]) & set(b["writers"]):
        print("the two records share writers: their rates cannot be pooled as a mean", file=sys.stderr)
        return 1
    counts = []
    for name in argv[1:]:
        cv = ev.get(name.removesuffix("-target-far"))
        if cv is None:
            print(f"no cross-validation record {name.removesuffix('-target-far')} to check the pair counts", file=sys.stderr)
            return 1
        counts.append({p["references"]: (p["genuinePairs"], p["forgeryPairs"]) for p in cv["pooled"]})
    if counts[0] != counts[1]:
        print(f"pair counts differ: {counts}", file=sys.stderr)
        return 1
    rows = {(s["targetFar"], s["references"]): s for s in b["sweep"]}
    writers = len(a["writers"]) + len(b["writers"])
    print(f"{writers} writers ({argv[1]} + {argv[2]}): validation target, references, forgeries accepted, genuine rejected")
    for s in a["sweep"]:
        t = rows[(s["targetFar"], s["references"])]
        far = (s["farForgeries"]["value"] + t["farForgeries"]["value"]) / 2
        frr = (s["frrGenuine"]["value"] + t["frrGenuine"]["value"]) / 2
        print(f"{100 * s['targetFar']:.1f} %\tR = {s['references']}\t{100 * far:.2f} %\t{100 * frr:.2f} %")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
