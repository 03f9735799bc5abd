/**
 * Synthetic signature writers (issue 17): more writers than CEDAR's 40, each with genuine signatures and skilled
 * forgeries of them, drawn as pen trajectories.
 *
 * The pen follows Hollerbach's oscillation theory of handwriting (Hollerbach, "An oscillation theory of
 * handwriting", Biological Cybernetics 39, 1981): cursive script is a horizontal drift plus two coupled
 * oscillations, and letters are the modulation of their amplitudes and phase from one half cycle (one up or down
 * stroke) to the next:
 *
 *   x(t) = c·t + A_j·cos(π·t + φ_j),   y(t) = B_j·sin(π·t) + D_j,   j = ⌊t⌋ (half cycle j),   then x += y·tan(slant)
 *
 * with A_j, B_j, φ_j, D_j eased from one half cycle to the next so the stroke stays smooth. |A_j|·π > c draws a loop.
 *
 * A writer is a template: words of half cycles with their (A, B, φ, D), a slant, a drift, a capital and maybe a
 * flourish. A genuine signature is the template with a writer's small everyday variation (after the synthetic
 * variation model of Ferrer et al., "Static signature synthesis: a neuromotor inspired approach for biometrics",
 * IEEE TPAMI 37(3), 2015: global affine, per-stroke amplitude and timing noise). A skilled forgery is a forger
 * copying a genuine signature: the same letters with larger errors of proportion, spacing and slant (the forger's
 * own hand), slower drawing (tremor), hesitations (pen lifts) and even strokes without the tapered, fast ends of the
 * genuine writer (the cues forensic examiners read: Huber & Headrick, "Handwriting identification", 1999, ch. 11).
 *
 * Pure and seeded: the same seed gives the same writers. Units are "x-heights" (h = 1); the renderer scales.
 */
import { Rng } from '../samplers/rng';

/** One half cycle of the oscillation: horizontal amplitude, vertical amplitude, phase, vertical offset. */
export interface HalfCycle {
  a: number;
  b: number;
  phi: number;
  d: number;
}

export interface SignatureTemplate {
  /** Words, each a run of half cycles drawn without lifting the pen. */
  words: HalfCycle[][];
  /** Horizontal drift per half cycle. */
  drift: number;
  /** Slant in radians (positive leans right). */
  slant: number;
  /** The baseline's angle in radians (positive climbs to the right, as many signatures do). */
  angle: number;
  /** Gap between words, in x-heights. */
  wordGap: number;
  /** A final stroke under the name (amplitude; 0 for none). */
  flourish: number;
  /** Pen width in x-heights. */
  penWidth: number;
}

/** A drawn signature: pen-down strokes, each a polyline with the pen width at every point. */
export interface Stroke {
  points: { x: number; y: number; w: number }[];
}

/** How much a sample departs from the template (standard deviations; angles in radians). */
export interface Variation {
  scale: number;
  rotation: number;
  slant: number;
  amplitude: number;
  phase: number;
  drift: number;
  /** Tremor: standard deviation of the pen's wobble, in x-heights. */
  tremor: number;
  /** Probability of a pen lift inside each word. */
  penLift: number;
  /** True: the stroke thins at its ends (fast, practised writing); false: it starts and stops blunt. */
  tapered: boolean;
}

/** A writer's everyday variation between two of their own signatures. */
export const GENUINE_VARIATION: Variation = {
  scale: 0.04,
  rotation: 0.03,
  slant: 0.03,
  amplitude: 0.06,
  phase: 0.08,
  drift: 0.04,
  tremor: 0,
  penLift: 0,
  tapered: true,
};

/** A skilled forger copying one of those signatures, on top of the genuine variation. */
export const FORGERY_VARIATION: Variation = {
  scale: 0.08,
  rotation: 0.05,
  slant: 0.08,
  amplitude: 0.16,
  phase: 0.22,
  drift: 0.12,
  tremor: 0.025,
  penLift: 0.3,
  tapered: false,
};

/** Points per half cycle when drawing. */
const STEPS_PER_HALF_CYCLE = 14;
/** Share of a stroke's length over which a tapered end thins. */
const TAPER_SHARE = 0.08;

function gauss(rng: Rng): number {
  // Box–Muller; 1 − u keeps log() finite.
  const u = 1 - rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/** A new writer: words of letters (half cycles) with ascenders, descenders, loops and a capital. */
export function randomTemplate(rng: Rng): SignatureTemplate {
  const drift = rng.uniform(0.4, 0.9);
  const loopiness = rng.uniform(0, 0.4);
  const words: HalfCycle[][] = [];
  // one to three words of two to five letters: CEDAR's signatures are two to four times as wide as tall
  const wordCount = rng.pick([1, 2, 2, 3]);
  for (let w = 0; w < wordCount; w++) {
    const length = 2 * (2 + rng.int(4)); // whole cycles, so each word ends where it began vertically
    const word: HalfCycle[] = [];
    for (let j = 0; j < length; j++) {
      const kind = rng.next();
      // x-height letters, ascenders (taller, lifted), descenders (below the line)
      const [b, d] = kind < 0.6 ? [0.5, 0.5] : kind < 0.82 ? [1.1, 1.1] : [1.0, -0.2];
      word.push({
        a: rng.next() < loopiness ? rng.uniform(0.3, 0.6) : rng.uniform(0.05, 0.3),
        b: b * rng.uniform(0.8, 1.2),
        phi: rng.uniform(-0.6, 0.6),
        d,
      });
    }
    if (w === 0 || rng.next() < 0.5) {
      // a capital: the first up and down strokes twice as tall
      word[0] = { ...word[0], b: word[0].b * 2, d: word[0].d + 0.6 };
      word[1] = { ...word[1], b: word[1].b * 2, d: word[1].d + 0.6 };
    }
    words.push(word);
  }
  return {
    words,
    drift,
    slant: rng.uniform(-0.15, 0.55),
    angle: rng.uniform(-0.1, 0.35),
    wordGap: rng.uniform(0.3, 1.2),
    flourish: rng.next() < 0.4 ? rng.uniform(0.3, 0.8) : 0,
    penWidth: rng.uniform(0.06, 0.16),
  };
}

/** The template as one person writes it once: every parameter perturbed by `variation`. */
export function perturbTemplate(template: SignatureTemplate, variation: Variation, rng: Rng): SignatureTemplate {
  const amp = () => 1 + variation.amplitude * gauss(rng);
  return {
    words: template.words.map((word) =>
      word.map((hc) => ({
        a: hc.a + variation.amplitude * 0.5 * gauss(rng),
        b: hc.b * amp(),
        phi: hc.phi + variation.phase * gauss(rng),
        d: hc.d + variation.amplitude * 0.5 * gauss(rng),
      })),
    ),
    drift: template.drift * (1 + variation.drift * gauss(rng)),
    slant: template.slant + variation.slant * gauss(rng),
    angle: template.angle + variation.rotation * gauss(rng),
    wordGap: Math.max(0.1, template.wordGap * (1 + 2 * variation.drift * gauss(rng))),
    flourish: template.flourish && Math.max(0.1, template.flourish * amp()),
    penWidth: template.penWidth,
  };
}

/** Eases from the previous half cycle's value to this one's over the first third of the half cycle. */
function eased(prev: number, next: number, frac: number): number {
  const s = Math.min(1, frac * 3);
  return prev + (next - prev) * (s * s * (3 - 2 * s));
}

/** Draws a template: the oscillation sampled along each word, then slant, rotation and scale. */
export function drawSignature(template: SignatureTemplate, variation: Variation, rng: Rng): Stroke[] {
  const strokes: Stroke[] = [];
  let x0 = 0;
  const width = template.penWidth * (1 + 0.1 * gauss(rng));
  for (const word of template.words) {
    let points: Stroke['points'] = [];
    let maxX = x0;
    for (let j = 0; j < word.length; j++) {
      const hc = word[j];
      const prev = word[Math.max(0, j - 1)];
      for (let s = 0; s < STEPS_PER_HALF_CYCLE; s++) {
        const frac = s / STEPS_PER_HALF_CYCLE;
        const t = j + frac;
        const a = eased(prev.a, hc.a, frac);
        const phi = eased(prev.phi, hc.phi, frac);
        const x = x0 + template.drift * t + a * Math.cos(Math.PI * t + phi);
        const y = eased(prev.b, hc.b, frac) * Math.sin(Math.PI * t) + eased(prev.d, hc.d, frac);
        points.push({ x, y, w: width });
        maxX = Math.max(maxX, x);
      }
      if (variation.penLift > 0 && j > 0 && j < word.length - 1 && rng.next() < variation.penLift / word.length) {
        strokes.push({ points });
        points = [];
      }
    }
    strokes.push({ points });
    x0 = maxX + template.wordGap;
  }
  if (template.flourish > 0) {
    // a stroke back under the name: a shallow arc from the end towards the start
    const points: Stroke['points'] = [];
    const n = 3 * STEPS_PER_HALF_CYCLE;
    for (let i = 0; i <= n; i++) {
      const u = i / n;
      points.push({ x: x0 * (1 - 0.8 * u), y: -0.3 - template.flourish * Math.sin(Math.PI * u) * 0.5, w: width });
    }
    strokes.push({ points });
  }
  return strokes.filter((s) => s.points.length > 1).map((s) => finishStroke(s, template, variation, rng));
}

/** Slant (a shear), the baseline's angle, tremor, tapered ends; y is flipped into image coordinates (y down). */
function finishStroke(stroke: Stroke, template: SignatureTemplate, variation: Variation, rng: Rng): Stroke {
  const tan = Math.tan(template.slant);
  const [cos, sin] = [Math.cos(template.angle), Math.sin(template.angle)];
  const n = stroke.points.length;
  // tremor: noise smoothed over 3 points, a slow hand's wobble rather than pixel noise
  const raw = Array.from({ length: n + 2 }, () => [gauss(rng), gauss(rng)]);
  return {
    points: stroke.points.map((p, i) => {
      const tx = (variation.tremor * (raw[i][0] + raw[i + 1][0] + raw[i + 2][0])) / Math.sqrt(3);
      const ty = (variation.tremor * (raw[i][1] + raw[i + 1][1] + raw[i + 2][1])) / Math.sqrt(3);
      const end = Math.min(i, n - 1 - i) / Math.max(1, n - 1);
      const taper = variation.tapered ? Math.min(1, 0.35 + (0.65 * end) / TAPER_SHARE) : 1;
      const [x, y] = [p.x + p.y * tan + tx, p.y + ty];
      return { x: cos * x - sin * y, y: -(sin * x + cos * y), w: p.w * taper };
    }),
  };
}

/** Rotates and scales strokes about the origin (the sample's pose on the page). */
export function posed(strokes: Stroke[], variation: Variation, rng: Rng): Stroke[] {
  const angle = variation.rotation * gauss(rng);
  const scale = 1 + variation.scale * gauss(rng);
  const [cos, sin] = [Math.cos(angle) * scale, Math.sin(angle) * scale];
  return strokes.map((s) => ({ points: s.points.map((p) => ({ x: cos * p.x - sin * p.y, y: sin * p.x + cos * p.y, w: p.w * scale })) }));
}

/** One genuine signature of the writer of `template`. */
export function genuineSignature(template: SignatureTemplate, rng: Rng): Stroke[] {
  return posed(drawSignature(perturbTemplate(template, GENUINE_VARIATION, rng), GENUINE_VARIATION, rng), GENUINE_VARIATION, rng);
}

/**
 * A forger: their own bias (slant, proportions, pen) fixed across their attempts, so one forger's forgeries resemble
 * each other as CEDAR's do.
 */
export function forgerOf(template: SignatureTemplate, rng: Rng): SignatureTemplate {
  const biased = perturbTemplate(template, FORGERY_VARIATION, rng);
  return { ...biased, penWidth: rng.uniform(0.06, 0.16) };
}

/** One attempt by that forger: a genuine-like perturbation of their biased copy, drawn slowly. */
export function forgedSignature(forger: SignatureTemplate, rng: Rng): Stroke[] {
  return posed(drawSignature(perturbTemplate(forger, GENUINE_VARIATION, rng), FORGERY_VARIATION, rng), GENUINE_VARIATION, rng);
}
