"""Session 39: analyse.json as a picture (plain SVG, no plotting library on this machine): each cross-validated
writer's share of forgeries accepted by H with one reference, against log(forged/genuine) of its median ink
components (pen lifts and breaks). python3 docs/experiments/signatures/hard-writers/plot.py > …/components.svg"""
import json
import math
import os

HERE = os.path.dirname(os.path.abspath(__file__))
a = json.load(open(os.path.join(HERE, "analyse.json")))
f = json.load(open(os.path.join(HERE, "writer-features.json")))
W, H, L, B, T, R = 640, 420, 70, 60, 40, 20
xs = [math.log(f["writers"][w]["forged"]["components"] / f["writers"][w]["genuine"]["components"]) for w in a["writers"]]
ys = a["accepted"]["1"]
x0, x1 = min(xs) - 0.1, max(xs) + 0.1
y1 = max(0.35, max(ys) + 0.02)
px = lambda x: L + (x - x0) / (x1 - x0) * (W - L - R)
py = lambda y: H - B - y / y1 * (H - B - T)
rho = a["spearman"]["1"]["log(forged/genuine) components"]
out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
       f'<rect width="{W}" height="{H}" fill="white"/>',
       f'<text x="{W / 2}" y="22" text-anchor="middle" font-size="14">Forgeries H accepts (one reference) against how much the forgers broke the strokes</text>',
       f'<line x1="{L}" y1="{H - B}" x2="{W - R}" y2="{H - B}" stroke="black"/>',
       f'<line x1="{L}" y1="{T}" x2="{L}" y2="{H - B}" stroke="black"/>']
for t in [i / 10 for i in range(0, int(y1 * 10) + 1)]:
    out.append(f'<text x="{L - 6}" y="{py(t) + 4}" text-anchor="end">{t:.0%}</text>')
    out.append(f'<line x1="{L}" y1="{py(t)}" x2="{W - R}" y2="{py(t)}" stroke="#eee"/>')
k = math.ceil(x0 * 2) / 2
while k <= x1:
    out.append(f'<text x="{px(k)}" y="{H - B + 16}" text-anchor="middle">{k:+.1f}</text>')
    k += 0.5
out.append(f'<text x="{(L + W - R) / 2}" y="{H - 18}" text-anchor="middle" font-size="11">log(forgeries\' / genuine median ink components): '
           f'0 = forgers kept the pen lifts, &gt; 0 = broke the strokes</text>')
out.append(f'<text x="16" y="{(T + H - B) / 2}" transform="rotate(-90 16 {(T + H - B) / 2})" text-anchor="middle">'
           f'share of the writer\'s forgeries accepted</text>')
for w, x, y in zip(a["writers"], xs, ys):
    hard = w in ("21", "27", "29")
    out.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="4" fill="{"#c0392b" if hard else "#2c7fb8"}"/>')
    out.append(f'<text x="{px(x) + 6:.1f}" y="{py(y) - 4:.1f}" font-size="10">{w}</text>')
out.append(f'<text x="{W - R}" y="{T + 12}" text-anchor="end">Spearman ρ = {rho["rho"]:.2f} (95 %: {rho["ci95"][0]:.2f} to {rho["ci95"][1]:.2f}), 34 writers</text>')
out.append("</svg>")
print("\n".join(out))
