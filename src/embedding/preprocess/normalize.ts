import type { PreprocessSpec } from '../model-card';
import { badInput } from '../../errors';
import { validateFaceStage } from '../faces/face-stage-defaults';
import { testTimeViewProblems } from './test-time-views';

/**
 * Pixel normalisation of `PreprocessSpec.normalize`, applied to interleaved
 * 8-bit HWC pixels:
 *   unit:        v/255                     ∈ [0, 1]
 *   invert-unit: 1 − v/255                 ∈ [0, 1] (ink = 1 for strokes on white)
 *   standard:    (v/255 − mean[c]) / std[c]
 */
export function normalizePixels(pixels: Uint8Array, spec: PreprocessSpec): Float32Array {
  const out = new Float32Array(pixels.length);
  const c = spec.channels;
  switch (spec.normalize) {
    case 'unit':
      for (let i = 0; i < pixels.length; i++) out[i] = pixels[i] / 255;
      return out;
    case 'invert-unit':
      for (let i = 0; i < pixels.length; i++) out[i] = 1 - pixels[i] / 255;
      return out;
    case 'standard': {
      const { mean, std } = standardStats(spec);
      for (let i = 0; i < pixels.length; i++) {
        const ch = i % c;
        out[i] = (pixels[i] / 255 - mean[ch]) / std[ch];
      }
      return out;
    }
    default:
      throw badInput(`unknown normalisation '${String((spec as { normalize: unknown }).normalize)}'`);
  }
}

function standardStats(spec: PreprocessSpec): { mean: number[]; std: number[] } {
  const expand = (v: number[] | undefined, name: string): number[] => {
    if (!v || v.length === 0) throw badInput(`normalize 'standard' needs ${name}`);
    if (v.length === 1) return Array(spec.channels).fill(v[0]);
    if (v.length !== spec.channels) throw badInput(`${name} has ${v.length} values for ${spec.channels} channels`);
    return v;
  };
  const mean = expand(spec.mean, 'mean');
  const std = expand(spec.std, 'std');
  if (std.some((s) => !(s > 0))) throw badInput('std values must be > 0');
  return { mean, std };
}

/** Throws BAD_USER_INPUT when a spec cannot be used (checked once when a model is loaded or built). */
/** The ink crop (ink-crop.ts) fits its box by 'contain' or 'fill' and is not combined with a face stage. */
function validateInkCropSpec(spec: PreprocessSpec): void {
  if (spec.crop !== 'ink') throw badInput(`unknown crop '${String(spec.crop)}' (known: ink)`);
  if (spec.fit === 'cover') throw badInput("crop 'ink' fits the ink box by 'contain' or 'fill', not 'cover' (it would cut strokes off)");
  if (spec.face !== undefined) throw badInput("crop 'ink' and a face stage cannot be combined");
  if (spec.inkTone !== undefined && spec.inkTone !== 'equalize')
    throw badInput(`unknown inkTone '${String(spec.inkTone)}' (known: equalize)`);
  if (spec.inkMend !== undefined && spec.inkMend !== 'close3') throw badInput(`unknown inkMend '${String(spec.inkMend)}' (known: close3)`);
}

export function validatePreprocessSpec(spec: PreprocessSpec): void {
  const intOk = (v: number) => Number.isInteger(v) && v > 0 && v <= 4096;
  if (!intOk(spec.width) || !intOk(spec.height)) throw badInput(`bad input size ${spec.width}×${spec.height}`);
  if (spec.channels !== 1 && spec.channels !== 3) throw badInput(`channels must be 1 or 3, got ${spec.channels}`);
  if (!['fill', 'contain', 'cover'].includes(spec.fit)) throw badInput(`unknown fit '${spec.fit}'`);
  if (!['unit', 'invert-unit', 'standard'].includes(spec.normalize)) throw badInput(`unknown normalisation '${spec.normalize}'`);
  if (spec.normalize === 'standard') standardStats(spec);
  if (spec.face !== undefined) validateFaceStage(spec.face, spec.width, spec.height);
  if (spec.crop !== undefined) validateInkCropSpec(spec);
  else if (spec.inkTone !== undefined) throw badInput("inkTone applies to crop 'ink' only");
  else if (spec.inkMend !== undefined) throw badInput("inkMend applies to crop 'ink' only");
  if (spec.testTimeViews !== undefined) {
    const problems = testTimeViewProblems(spec.testTimeViews);
    if (problems.length) throw badInput(problems.join('; '));
  }
}
