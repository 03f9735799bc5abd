"""Session 46, exploration after NEAR failed (decides nothing): does HN0's lower stranger EER buy fewer genuine
rejections where strangers are bounded? For each number of references R, one offset for all 34 writers (pooled over
the four folds, each score already relative to its fold member's own served threshold) at which 4 % of strangers
pass, as RANDOM-CV bounds them (there leaving each fold out, with a 3 % target and fold ensembles; here pooled, one
member per fold, so these are ROC points, not served rates). Reports genuine rejected and skilled forgeries accepted
there, and each kind's EER against genuine.
  python3 explore-strangers.py HL0_SCORES.json.gz HN0_SCORES.json.gz   (from ../random-threshold/scores.ts)
The scores, about 5 minutes each here (after `train.sh restore` and `../scale/train.sh restore`):
  S="node test/retraining/fixtures/ts-run.js docs/experiments/signatures/random-threshold/scores.ts"
  $S strangers/hl0-scores.json.gz $(for k in 0 1 2 3; do echo .runs/signature-input256x160-steps-m0/fold-$k=@splits/cedar/cv/fold-$k-test-writers.txt; done)
  $S strangers/hn0-scores.json.gz $(for k in 0 1 2 3; do echo .runs/signature-near50-input256x160-steps-m0/fold-$k=@splits/cedar/cv/fold-$k-test-writers.txt; done)
"""
import gzip
import json
import sys

TARGET = 0.04


def eer(genuine, impostor):
    """Equal error rate of scores accepted when s <= t, over every threshold at a score (the crossing's mean)."""
    points = sorted(set(genuine) | set(impostor))
    g, i = sorted(genuine), sorted(impostor)
    best = (2.0, 0.0)
    import bisect
    for t in points:
        frr = 1 - bisect.bisect_right(g, t) / len(g)
        far = bisect.bisect_right(i, t) / len(i)
        if abs(frr - far) < best[0]:
            best = (abs(frr - far), (frr + far) / 2)
    return best[1]


def at_stranger_rate(rows, target):
    import bisect
    kinds = {k: sorted(s for (_, _, kind, s) in rows if kind == k) for k in 'gfr'}
    r = kinds['r']
    t = r[max(0, int(target * len(r)) - 1)]  # the largest offset with at most target of strangers at or below it
    acc = lambda xs: bisect.bisect_right(xs, t) / len(xs)
    return {
        'offset': t,
        'strangersAccepted': acc(r),
        'genuineRejected': 1 - acc(kinds['g']),
        'forgeriesAccepted': acc(kinds['f']),
        'strangerEer': eer(kinds['g'], r),
        'skilledEer': eer(kinds['g'], kinds['f']),
        'pairs': {k: len(v) for k, v in kinds.items()},
    }


def paired_genuine_rejected(rows_a, rows_b, rounds=1000, seed=46):
    """HN0 − HL0 genuine rejected at the 4 % stranger offset, paired writer bootstrap (the same writers drawn for both,
    each model's offset found again on every draw): point, 95 % percentile interval."""
    import numpy as np

    def arrays(rows):
        writers = sorted({w for (_, w, _, _) in rows})
        idx = {w: i for i, w in enumerate(writers)}
        per = [{k: [] for k in 'gr'} for _ in writers]
        for (_, w, kind, s) in rows:
            if kind in 'gr':
                per[idx[w]][kind].append(s)
        return writers, [{k: np.array(v) for k, v in p.items()} for p in per]

    def rejected(per, pick):
        r = np.sort(np.concatenate([per[i]['r'] for i in pick]))
        t = r[max(0, int(TARGET * len(r)) - 1)]
        g = np.concatenate([per[i]['g'] for i in pick])
        return float(np.mean(g > t))

    wa, pa = arrays(rows_a)
    wb, pb = arrays(rows_b)
    assert wa == wb, 'the two score files hold different writers'
    rng = np.random.default_rng(seed)
    every = list(range(len(wa)))
    point = rejected(pb, every) - rejected(pa, every)
    diffs = []
    for _ in range(rounds):
        pick = rng.integers(0, len(wa), len(wa))
        diffs.append(rejected(pb, pick) - rejected(pa, pick))
    lo, hi = np.percentile(diffs, [2.5, 97.5])
    return {'difference': point, 'interval95': [float(lo), float(hi)], 'rounds': rounds, 'writers': len(wa)}


def main(paths):
    out = {'target': TARGET, 'note': __doc__.strip().split('\n')[0], 'models': {}, 'pairedGenuineRejected': {}}
    data = {}
    for name, path in zip(['HL0', 'HN0'], paths):
        data[name] = json.load(gzip.open(path))['byReferences']
        out['models'][name] = {r: at_stranger_rate(data[name][r], TARGET) for r in sorted(data[name], key=int)}
    for r in sorted(data['HL0'], key=int):
        out['pairedGenuineRejected'][r] = paired_genuine_rejected(data['HL0'][r], data['HN0'][r])
    json.dump(out, sys.stdout, indent=2)
    print()


if __name__ == '__main__':
    main(sys.argv[1:3])
