"""Session 39: BREAKAGE as a picture (plain SVG). Each cross-validated writer's share of skilled forgeries accepted by
H's fold ensembles (served at 0.5 %, one reference), on the scans as they are (x) against the same writer with its
forgeries' ink mended (y, breakage-forged-scores.json.gz); above the diagonal, mending let more through.
    python3 docs/experiments/signatures/hard-writers/plot-breakage.py > docs/experiments/signatures/hard-writers/breakage.svg
Session 44: another candidate's (breakage.sh with SHIP_*) from its own results and served scores, under its title:
    python3 docs/experiments/signatures/hard-writers/plot-breakage.py [RESULTS_DIR [SERVED_SCORES [TITLE]]] > OUT.svg
    (defaults H's: this file's folder, ../height/hs-served-scores.json.gz, H)
"""
import gzip
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = sys.argv[1] if len(sys.argv) > 1 else HERE
SERVED = sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "../height/hs-served-scores.json.gz")
TITLE = sys.argv[3] if len(sys.argv) > 3 else "H"


def accepted(path):
    with gzip.open(path, "rt") as handle:
        scores = json.load(handle)
    names, cols = scores["writers"], scores["byReferences"]["1"]
    total, hits = {}, {}
    for w, same, s in zip(cols["writer"], cols["same"], cols["distance"]):
        if same == 0:
            total[names[w]] = total.get(names[w], 0) + 1
            hits[names[w]] = hits.get(names[w], 0) + (s <= 0)
    return {w: hits[w] / total[w] for w in total}


scans = accepted(SERVED)
mended = accepted(os.path.join(RESULTS, "breakage-forged-scores.json.gz"))
W, H, L, B, T, R = 560, 520, 70, 60, 50, 20
top = max(max(scans.values()), max(mended.values())) + 0.03
px = lambda v: L + v / top * (W - L - R)
py = lambda v: H - B - v / top * (H - B - T)
out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
       f'<rect width="{W}" height="{H}" fill="white"/>',
       f'<text x="{W / 2}" y="22" text-anchor="middle" font-size="14">Forgeries {TITLE} accepts, one reference, per writer (34)</text>',
       f'<text x="{W / 2}" y="38" text-anchor="middle" font-size="11">the scans as they are (x) against the forgeries\' ink mended by a 3×3 closing (y)</text>',
       f'<line x1="{L}" y1="{H - B}" x2="{W - R}" y2="{H - B}" stroke="black"/>',
       f'<line x1="{L}" y1="{T}" x2="{L}" y2="{H - B}" stroke="black"/>',
       f'<line x1="{px(0)}" y1="{py(0)}" x2="{px(top)}" y2="{py(top)}" stroke="#999" stroke-dasharray="4 3"/>']
for t in [i / 10 for i in range(0, int(top * 10) + 1)]:
    out.append(f'<text x="{L - 6}" y="{py(t) + 4}" text-anchor="end">{t:.0%}</text>')
    out.append(f'<text x="{px(t)}" y="{H - B + 16}" text-anchor="middle">{t:.0%}</text>')
out.append(f'<text x="{(L + W - R) / 2}" y="{H - 18}" text-anchor="middle">scans as they are</text>')
out.append(f'<text x="16" y="{(T + H - B) / 2}" transform="rotate(-90 16 {(T + H - B) / 2})" text-anchor="middle">forgeries mended</text>')
up = sum(mended[w] > scans[w] for w in scans)
for w in sorted(scans):
    colour = "#c0392b" if mended[w] > scans[w] else ("#2c7fb8" if mended[w] < scans[w] else "#777")
    out.append(f'<circle cx="{px(scans[w]):.1f}" cy="{py(mended[w]):.1f}" r="4" fill="{colour}"/>')
    if scans[w] > 0.03 or mended[w] > 0.06:
        out.append(f'<text x="{px(scans[w]) + 6:.1f}" y="{py(mended[w]) - 4:.1f}" font-size="10">{w}</text>')
pooled = lambda d: sum(d.values()) / len(d)
out.append(f'<text x="{L + 10}" y="{T + 14}">{up} of 34 writers above the diagonal (red); mean per writer '
           f'{pooled(scans):.1%} → {pooled(mended):.1%}</text>')
out.append("</svg>")
print("\n".join(out))
