#!/usr/bin/env python3
"""Session 35, explored (no rule, nothing ships): would T (160x80) beside I (224x112) help, as a six-member ensemble
of two input sizes would? Read from the two recipes' kept pairs over the 34 cross-validated writers (the same folds,
writers and seeded reference draws, checked below), each score a fold model's distance minus its served threshold.
The fused score is (1 - w) * I / sd(I) + w * T / sd(T); the pooled EER at R = 1, 5, 10 (CENTROID for both).
  python3 docs/experiments/signatures/input-size/fusion-t.py"""
import gzip
import json

import numpy as np

I = json.load(gzip.open('docs/experiments/signatures/input-size/i-scores.json.gz'))
T = json.load(gzip.open('docs/experiments/signatures/ink-tone/t-cv34-scores.json.gz'))
assert [f['writers'] for f in I['folds']] == [f['writers'] for f in T['folds']]


def eer(scores, same):
    s, same = np.asarray(scores), np.asarray(same, bool)
    g, f = np.sort(s[same]), np.sort(s[~same])
    ths = np.concatenate([g, f])
    frr = 1 - np.searchsorted(g, ths, side='right') / len(g)
    far = np.searchsorted(f, ths, side='right') / len(f)
    i = np.argmin(np.abs(frr - far))
    return (frr[i] + far[i]) / 2


out = {}
for r in ['1', '5', '10']:
    a, b = I['byReferences'][r], T['byReferences'][r]
    assert a['writer'] == b['writer'] and a['same'] == b['same'], 'the pairs must be the same'
    di, dt = np.array(a['distance']), np.array(b['distance'])
    row = {'pairs': len(di), 'correlation': round(float(np.corrcoef(di, dt)[0, 1]), 4),
           'I': round(eer(di, a['same']) * 100, 2), 'T': round(eer(dt, a['same']) * 100, 2)}
    for w in [0.25, 0.5, 0.75]:
        row[f'w={w}'] = round(eer((1 - w) * di / di.std() + w * dt / dt.std(), a['same']) * 100, 2)
    out[r] = row
print(json.dumps(out, indent=2))
