/**
 * EER with a threshold of each identity's own, chosen a posteriori on that identity's pairs: the mean over
 * identities of each one's EER (roc.ts's interpolation), with a percentile bootstrap over identities (Efron &
 * Tibshirani 1993). Signature papers report it beside the one-threshold EER as "EER with user thresholds"
 * (e.g. Hafemann, Sabourin & Oliveira 2017). No service can reach it, since it reads each writer's forgeries to
 * place the threshold; what it isolates is how well the encoder separates each identity's genuine pairs from
 * its impostor pairs, apart from whether one threshold suits every identity. The pooled EER minus this one is
 * what a per-identity threshold could at best recover (session 27, docs/signatures.md).
 *
 * Only pairs within one identity count (identityA = identityB: genuine–genuine and genuine–forgery, as
 * forgery.eval.ts lays them out); an identity without both kinds is skipped and counted.
 */
import { computeRoc, equalErrorRate } from '../calibration/roc';
import { bootstrapSettings, drawIdentities, quantile, type BootstrapOptions, type IdentityPairScore } from './bootstrap';

export interface IdentityThresholdEer {
  /** Mean over the scored identities of each one's own EER. */
  value: number;
  ci95: [number, number];
  level: number;
  rounds: number;
  /** Identities with both genuine and impostor pairs (the others are skipped). */
  identities: number;
  skipped: number;
  median: number;
}

export function identityThresholdEer(pairs: readonly IdentityPairScore[], options: BootstrapOptions = {}): IdentityThresholdEer {
  const byIdentity = new Map<number, Array<{ distance: number; same: boolean }>>();
  for (const p of pairs) {
    if (p.identityA !== p.identityB) continue;
    const list = byIdentity.get(p.identityA) ?? [];
    list.push({ distance: p.distance, same: p.same });
    byIdentity.set(p.identityA, list);
  }
  const eers: number[] = [];
  let skipped = 0;
  for (const list of byIdentity.values()) {
    if (!list.some((s) => s.same) || list.every((s) => s.same)) skipped++;
    else eers.push(equalErrorRate(computeRoc(list)).eer);
  }
  const { rounds, level, rng } = bootstrapSettings(options, eers.length);
  const w = new Float64Array(eers.length);
  const means: number[] = [];
  for (let r = 0; r < rounds; r++) {
    drawIdentities(rng, w);
    let sum = 0;
    for (let i = 0; i < eers.length; i++) sum += w[i] * eers[i];
    means.push(sum / eers.length);
  }
  means.sort((a, b) => a - b);
  const sorted = [...eers].sort((a, b) => a - b);
  return {
    value: eers.reduce((a, b) => a + b, 0) / eers.length,
    ci95: [quantile(means, (1 - level) / 2), quantile(means, 1 - (1 - level) / 2)],
    level,
    rounds,
    identities: eers.length,
    skipped,
    median: quantile(sorted, 0.5),
  };
}
