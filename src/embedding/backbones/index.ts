import type * as tf from '@tensorflow/tfjs';
import type { ArchitectureSpec } from '../model-card';
import { badInput } from '../../errors';
import { type BackboneBuilder, InitSeeds } from './backbone-kit';
import { buildFaceResnet } from './face-resnet.backbone';
import { buildFast } from './fast.backbone';
import { buildResnetSmall } from './resnet-small.backbone';
import { buildSeed } from './seed.backbone';
import '../layers';

/**
 * The encoder registry: `buildEncoder` maps an ArchitectureSpec to a
 * tf.LayersModel [N,H,W,C] → [N,D] (D = arch.embeddingDim). Training builds
 * one encoder and applies it to both inputs (shared weights); serving loads the
 * saved model, whose custom layers are registered by importing '../layers'.
 */
export interface BackboneInfo {
  name: string;
  description: string;
}

const registry = new Map<string, { build: BackboneBuilder; description: string }>([
  [
    'fast',
    { build: buildFast, description: 'default: conv 32-64-128 + pooling, GAP (or GeM: params.pooling), dense, L2 (any input size)' },
  ],
  ['seed', { build: buildSeed, description: 'classic tutorial net: conv64-pool-conv128-pool-dense512 ReLU (100×100×1)' }],
  [
    'face-resnet29',
    {
      build: buildFaceResnet,
      description:
        "pretrained face trunk (dlib's ResNet-29 via @vladmandic/face-api, 150×150×3) + Siamese head; params.trainable head|last-block|all",
    },
  ],
  ['resnet-small', { build: buildResnetSmall, description: 'small ResNet: basic blocks 32-64-128, GAP, dense, L2' }],
]);

export function listBackbones(): BackboneInfo[] {
  return [...registry.entries()].map(([name, b]) => ({ name, description: b.description }));
}

/**
 * Adds a backbone. Contract: its last weighted layer is the whole embedding head; everything before it is
 * the trunk that `--trunk-from` copies (trunk-transfer.ts), so a head of two weighted layers would be half copied.
 */
export function registerBackbone(name: string, description: string, build: BackboneBuilder): void {
  registry.set(name, { build, description });
}

export function buildEncoder(
  arch: ArchitectureSpec,
  input: { height: number; width: number; channels: number },
  seed?: number,
): tf.LayersModel {
  const entry = registry.get(arch.backbone);
  if (!entry) throw badInput(`unknown backbone '${arch.backbone}' (known: ${[...registry.keys()].join(', ')})`);
  if (!Number.isInteger(arch.embeddingDim) || arch.embeddingDim <= 0) throw badInput(`embeddingDim must be a positive integer`);
  if (!['none', 'batch', 'group', 'instance'].includes(arch.normalization)) throw badInput(`unknown normalization '${arch.normalization}'`);
  // The card records every param; one that the backbone would silently ignore is refused instead.
  if (arch.backbone !== 'fast' && (arch.params?.pooling !== undefined || arch.params?.gemP !== undefined))
    throw badInput(`backbone params pooling and gemP belong to the 'fast' backbone (got backbone '${arch.backbone}')`);
  return entry.build({ arch, input, init: new InitSeeds(seed) });
}

export { GroupNormalization, L2Normalize } from '../layers';
export type { BackboneBuilder, BackboneContext } from './backbone-kit';
