#!/usr/bin/env python3
"""Session 34: I's verifyIdentity through the HTTP API at five references, CENTROID against SPREAD, paired by writer.

Both runs served the same simulated scans (signature-measure.ts api-refs draws them from one seed per fold), so
each writer's calls line up. This turns the per-fold api-refs results (their `decisions`: writer, same, distance
minus the threshold that call was served) into the score files `signature-measure.ts paired` reads, then pairs them.
  python3 docs/experiments/signatures/input-size/api-paired.py CENTROID_DIR SPREAD_DIR > OUT.json
  (the dirs hold api-refs5-fold-{0,1,2,3}.json: api.sh with RUNS=.runs/signature-input224-cv and
   RUNS=.runs/signature-input224-cv/shift-0.5; session 34 kept the result as i-spread-api-paired.json)
Session 38: any two api.sh runs of the same writers and scans, e.g. two models: BASE_DIR CANDIDATE_DIR [api3], the
third argument pairing verify's calls (api3-fold-K.json, one reference) instead of verifyIdentity's five.
"""
import gzip
import json
import subprocess
import sys
import tempfile


KIND = sys.argv[3] if len(sys.argv) > 3 else "api-refs5"
REFERENCES = "1" if KIND == "api3" else "5"


def score_file(folder, out, score):
    writers, column_writer, column_same, column_distance = [], [], [], []
    files = [f"{folder}/{KIND}-fold-{k}.json" for k in range(4)]
    for f in files:
        with open(f) as handle:
            for writer, same, margin in json.load(handle)["decisions"]:
                if writer not in writers:
                    writers.append(writer)
                column_writer.append(writers.index(writer))
                column_same.append(same)
                column_distance.append(margin)
    body = {
        "format": "siamese-signature-cv-scores/1",
        "writers": writers,
        "score": score,
        "folds": [{"model": f, "version": None, "writers": []} for f in files],
        "byReferences": {REFERENCES: {"writer": column_writer, "same": column_same, "distance": column_distance}},
    }
    with gzip.open(out, "wt") as handle:
        json.dump(body, handle)


centroid_dir, spread_dir = sys.argv[1:3]
with tempfile.TemporaryDirectory() as tmp:
    what = "HTTP verify, R = 1" if KIND == "api3" else "HTTP verifyIdentity, R = 5"
    score_file(centroid_dir, f"{tmp}/base.json.gz", f"{what}, base ({centroid_dir}): distance minus the served threshold")
    score_file(spread_dir, f"{tmp}/candidate.json.gz", f"{what}, candidate ({spread_dir}): distance minus the served threshold")
    subprocess.run(
        ["node", "test/retraining/fixtures/ts-run.js", "test/e2e/signature-measure.ts", "paired", f"{tmp}/base.json.gz", f"{tmp}/candidate.json.gz"],
        check=True,
    )
