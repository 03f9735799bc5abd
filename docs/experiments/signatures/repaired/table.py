"""Session 40: the stored paired comparisons beside their recomputation with the corrected weights (recompute.sh).
fmt and sign are shared with backend-table.py (session 41)."""
import json, os, sys

def fmt(b):
    lo, hi = b["interval"]
    return f"{b['difference'] * 100:+.2f} ({lo * 100:+.2f} to {hi * 100:+.2f})"

def sign(b):
    lo, hi = b["interval"]
    return "below 0" if hi < 0 else "above 0" if lo > 0 else "across 0"


def main():
    print("# Paired comparisons of sessions 24–39, recomputed (session 40)\n")
    print("`pairWeights` weighed a skilled-forgery pair by its writer's draw count squared until session 40; these are the")
    print("stored comparisons (left, as decided) beside the same score files re-paired with the corrected weights (right,")
    print("`bash docs/experiments/signatures/repaired/recompute.sh`). Point estimates are identical. **Changed** marks a")
    print("comparison whose interval moved across zero at R = 1 or R = 10. A comparison is recomputed only where its score")
    print("files are kept and reproduce its point estimates exactly. Rules are not re-decided here.\n")
    print("| comparison | R = 1, as stored | R = 1, corrected | R = 10, as stored | R = 10, corrected | |")
    print("|---|---|---|---|---|---|")
    here = os.path.dirname(os.path.abspath(__file__))
    for f in sys.argv[1:]:
        out = os.path.join(here, os.path.basename(os.path.dirname(f)) + "-" + os.path.basename(f))
        old = json.load(open(f))
        if not os.path.exists(out):
            print(f"| `{f.split('signatures/')[-1]}` | not recomputed (score files not kept or not score files) | | | | |")
            continue
        new = json.load(open(out))
        same_points = all(
            abs(o["difference"] - n["difference"]) < 1e-9
            for o in old["byReferences"] for n in new["byReferences"] if o["references"] == n["references"]
        ) and any(o["references"] == n["references"] for o in old["byReferences"] for n in new["byReferences"])
        if not same_points:
            # a score file kept under the same name is not the one that was compared (or the format differs)
            os.remove(out)
            print(f"| `{f.split('signatures/')[-1]}` | not recomputed (the kept score files do not reproduce its point estimates) | | | | |")
            continue
        cells, changed = [], False
        for r in (1, 10):
            o = next((b for b in old["byReferences"] if b["references"] == r), None)
            n = next((b for b in new["byReferences"] if b["references"] == r), None)
            if o is None or n is None:
                cells += ["", ""]
                continue
            cells += [fmt(o), fmt(n)]
            changed |= sign(o) != sign(n)
        print(f"| `{f.split('signatures/')[-1]}` | " + " | ".join(cells) + f" | {'**changed**' if changed else ''} |")


if __name__ == "__main__":
    main()
