/**
 * Transfer learning across input sizes: copy a trained encoder's trunk (every
 * weighted layer before its embedding head) into a fresh encoder of the same
 * backbone and widths built for another input size, crop or embedding size.
 *
 * Why it works for the `fast` backbone: its trunk is convolutions and max
 * pooling closed by global average (or generalized-mean) pooling (fast.backbone.ts), so no weight
 * depends on the input's height or width. A 40×40 Omniglot trunk is a valid
 * 160×80 signature trunk; what it learnt (strokes, junctions, curvature at the
 * scale of a few pixels) is what it sees at the new size if the stroke width
 * in pixels is similar. The head (dense → embeddingDim) stays the new model's
 * fresh one: its width may differ, and it is the part most tied to the source
 * task (Yosinski et al. 2014, "How transferable are features in deep neural
 * networks?": early layers transfer, the last ones are task-specific).
 *
 * Extending (`--trunk-extend`, rule DEEP, session 51): a `fast` encoder with
 * more blocks than the source takes the source's trunk as its first blocks;
 * the blocks after them start fresh, like the head.
 *
 * `warm start` (`--from`) is the other kind of reuse: it keeps the source's
 * input size and preprocessing and continues training the whole model.
 */
import type * as tf from '@tensorflow/tfjs';
import type { ArchitectureSpec } from '../model-card';

export interface TrunkTransfer {
  /** Weighted layers copied, in order (source name → target name). */
  layers: Array<{ source: string; target: string; shapes: number[][] }>;
  /** Number of weight scalars copied. */
  parameters: number;
  /** Trunk layers left as built, after the copied ones (non-zero only with `extend`). */
  freshLayers: number;
}

/** Thrown when the two trunks do not line up; the message says which layer differs and how. */
export class TrunkMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrunkMismatchError';
  }
}

/**
 * Params that shape only the head or what trains, not the trunk's computation (face-resnet29's), and the `fast`
 * backbone's global pooling, which follows the last weighted trunk layer and holds no weight (rule GEM).
 */
const HEAD_ONLY_PARAMS = new Set(['trainable', 'head', 'pooling', 'gemP']);

/**
 * Why two architectures' trunks compute different things, or undefined when they match. Weight shapes
 * alone cannot tell: a `seed` trunk (valid padding) fits a `fast` one (same padding) of equal widths,
 * group and instance normalisation have the same γ and β shapes, and two blocks of one width pool in
 * other places than one block of twice the convs. So backbone, normalisation and every trunk param
 * must be equal; the embedding size and L2 normalisation belong to the head and may differ.
 */
export function trunkArchitectureDifference(
  source: ArchitectureSpec,
  target: ArchitectureSpec,
  opts: { extend?: boolean } = {},
): string | undefined {
  if (source.backbone !== target.backbone) return `backbone ${source.backbone} against ${target.backbone}`;
  if (source.normalization !== target.normalization) return `normalization ${source.normalization} against ${target.normalization}`;
  if (opts.extend) {
    // Rule DEEP (session 51): only the `fast` backbone is a plain chain of blocks, one per width, so its first blocks
    // compute the same thing whatever follows them; other backbones' widths place strides and shortcuts.
    if (target.backbone !== 'fast') return `extending a trunk needs the fast backbone (got ${target.backbone})`;
    const from = widthsOf(source);
    const to = widthsOf(target);
    if (to.length <= from.length || from.some((w, i) => w !== to[i])) {
      return `widths ${from.join('-')} are not the first blocks of ${to.join('-')} (an extended trunk adds blocks after the source's)`;
    }
  }
  const ignored = opts.extend ? new Set([...HEAD_ONLY_PARAMS, 'widths']) : HEAD_ONLY_PARAMS;
  const trunkParams = (a: ArchitectureSpec) =>
    JSON.stringify(
      Object.entries(a.params ?? {})
        .filter(([k]) => !ignored.has(k))
        .sort(([x], [y]) => x.localeCompare(y)),
    );
  if (trunkParams(source) !== trunkParams(target)) return `params ${trunkParams(source)} against ${trunkParams(target)}`;
  return undefined;
}

/** The `fast` backbone's widths as its builder reads them (fast.backbone.ts's default when absent). */
function widthsOf(a: ArchitectureSpec): number[] {
  const w = a.params?.widths;
  return Array.isArray(w) ? w.map(Number) : [32, 64, 128];
}

/**
 * The model that holds the trunk: `source` itself, or the `member`-th nested
 * model of an ensemble (backbones/ensemble.ts nests each member as one layer).
 */
export function trunkSourceModel(source: tf.LayersModel, member?: number): tf.LayersModel {
  const nested = source.layers.filter((l): l is tf.LayersModel => isModel(l));
  if (member === undefined) {
    if (nested.length > 0) {
      throw new TrunkMismatchError(
        `the source is an ensemble of ${nested.length} members: choose one with a member index (0–${nested.length - 1})`,
      );
    }
    return source;
  }
  if (nested.length === 0) throw new TrunkMismatchError(`member ${member} asked for, but the source is not an ensemble`);
  if (!Number.isInteger(member) || member < 0 || member >= nested.length) {
    throw new TrunkMismatchError(`member ${member} is out of range: the ensemble has members 0–${nested.length - 1}`);
  }
  return nested[member];
}

/**
 * Copies the trunk of `source` (or its ensemble member) into `target` in
 * place. Both trunks must have the same weighted layers with the same weight
 * shapes, in order; the last weighted layer of each (the embedding head) is
 * not copied. With `extend` (rule DEEP) the target's trunk may be longer: the
 * source's layers fill its first ones and the rest stay as built (fresh); the
 * caller has checked that those first layers are the same blocks
 * (`trunkArchitectureDifference` with `extend`).
 */
export function transferTrunk(
  target: tf.LayersModel,
  source: tf.LayersModel,
  member?: number,
  opts: { extend?: boolean } = {},
): TrunkTransfer {
  const from = trunkLayers(trunkSourceModel(source, member));
  const to = trunkLayers(target);
  if (opts.extend ? from.length >= to.length : from.length !== to.length) {
    throw new TrunkMismatchError(
      opts.extend
        ? `the source trunk has ${from.length} weighted layers and the new encoder's has ${to.length}: an extended trunk needs more blocks than the source's`
        : `the source trunk has ${from.length} weighted layers and the new encoder's has ${to.length}: use the source's backbone and widths`,
    );
  }
  const layers: TrunkTransfer['layers'] = [];
  let parameters = 0;
  from.forEach((src, i) => {
    const dst = to[i];
    const srcShapes = src.getWeights().map((w) => w.shape);
    const dstShapes = dst.getWeights().map((w) => w.shape);
    if (JSON.stringify(srcShapes) !== JSON.stringify(dstShapes)) {
      throw new TrunkMismatchError(
        `trunk layer ${i + 1} differs: source ${src.name} has weights ${fmt(srcShapes)}, the new encoder's ${dst.name} has ${fmt(dstShapes)}` +
          ' (the widths and the number of input channels must match)',
      );
    }
    layers.push({ source: src.name, target: dst.name, shapes: srcShapes });
    parameters += srcShapes.reduce((sum, s) => sum + s.reduce((p, d) => p * d, 1), 0);
  });
  // setWeights → Variable.assign: each target variable takes a counted reference to the source's data, so no tensor is
  // allocated here and the copy outlives source.dispose() (later optimiser steps assign new data, never write in place).
  from.forEach((src, i) => to[i].setWeights(src.getWeights()));
  return { layers, parameters, freshLayers: to.length - from.length };
}

/**
 * The embedding head's trainable variables: the last weighted layer's (the backbone contract, backbones/index.ts),
 * counted by all its weights as `trunkLayers` counts them, so a backbone that froze its own trunk (face-resnet29's
 * `trainable: head`) still has a trunk before its head. What trains while `--freeze-trunk-epochs` holds the trunk
 * (training/loop/trunk-freeze.ts).
 */
export function headVariables(model: tf.LayersModel): tf.Variable[] {
  const weighted = model.layers.filter((l) => l.getWeights().length > 0);
  if (weighted.some((l) => isModel(l))) throw new TrunkMismatchError(`${model.name} nests models: an ensemble has no single head`);
  if (weighted.length < 2) throw new TrunkMismatchError(`${model.name} has no trunk before its head`);
  return weighted[weighted.length - 1].trainableWeights.map((w) => w.read() as tf.Variable);
}

/** Every weighted layer but the last (the embedding head), in topological order. */
function trunkLayers(model: tf.LayersModel): tf.layers.Layer[] {
  const weighted = model.layers.filter((l) => l.getWeights().length > 0);
  if (weighted.some((l) => isModel(l))) throw new TrunkMismatchError(`${model.name} nests models: pass the member to take the trunk from`);
  if (weighted.length < 2) throw new TrunkMismatchError(`${model.name} has no trunk before its head`);
  return weighted.slice(0, -1);
}

function isModel(l: tf.layers.Layer): l is tf.LayersModel {
  return Array.isArray((l as unknown as { layers?: unknown }).layers);
}

function fmt(shapes: number[][]): string {
  return shapes.map((s) => s.join('×')).join(', ') || 'none';
}
