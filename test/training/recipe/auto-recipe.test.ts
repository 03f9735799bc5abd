import {
  autoRecipe,
  canHoldFaces,
  inputSizeFor,
  looksLikeInk,
  validationIdentities,
  type RecipeSettings,
} from '../../../src/training/recipe/auto-recipe';
import { median, pixelStats, type DatasetDescription } from '../../../src/training/recipe/describe-dataset';

/** Issue 17: the auto recipe's rules on hand-made folder descriptions. */
function describe_(over: Partial<DatasetDescription>): DatasetDescription {
  return {
    identities: 100,
    images: 1000,
    imagesPerIdentity: { min: 10, median: 10, max: 10 },
    sampled: 48,
    medianWidth: 100,
    medianHeight: 100,
    greyShare: 1,
    lightShare: 0.1,
    darkShare: 0.4,
    ...over,
  };
}

const decision = (r: ReturnType<typeof autoRecipe>, rule: string) => r.record.decisions.find((d) => d.rule === rule)!;

describe('auto recipe', () => {
  it('characters (Omniglot-like ink, many identities): invert-unit, affine without flips, prototypical P×K 16×4', () => {
    const r = autoRecipe(
      describe_({
        identities: 964,
        images: 19280,
        imagesPerIdentity: { min: 20, median: 20, max: 20 },
        medianWidth: 105,
        medianHeight: 105,
        lightShare: 0.93,
        darkShare: 0.07,
      }),
    );
    const expected: Partial<RecipeSettings> = {
      width: 48,
      height: 48,
      channels: 1,
      normalize: 'invert-unit',
      augment: 'affine',
      loss: 'prototypical',
      k: 4,
      batchSize: 64,
      valFraction: 193 / 964, // round(0.2 × 964) = 193 identities
      embeddingDim: 128,
      weightDecay: 0,
      pixelFallback: false,
      patience: 8,
      lrSchedule: 'cosine',
      // ⌈(19280 × (1 − 193/964)) / 64⌉ = ⌈15420 / 64⌉ = 241
      stepsPerEpoch: 241,
    };
    expect(r.settings).toMatchObject(expected);
    expect(r.record.name).toBe('auto');
    expect(decision(r, 'augmentation').why).toMatch(/no flips/);
    expect(decision(r, 'encoder')).toMatchObject({ value: 'fast', why: 'fast conv encoder from scratch (ink, not photos)' });
  });

  it('few colour photos: RGB, strong photo augmentation, small embedding, weight decay, pixel fallback', () => {
    const r = autoRecipe(
      describe_({ identities: 6, images: 60, medianWidth: 250, medianHeight: 250, greyShare: 0.1, lightShare: 0.2, darkShare: 0.3 }),
    );
    expect(r.settings).toMatchObject({
      width: 48,
      height: 48,
      channels: 3,
      normalize: 'unit',
      augment: 'faces-strong',
      valFraction: 2 / 6, // a third of 6, at least 2
      loss: 'prototypical',
      k: 4,
      batchSize: 16, // P = min(4 training identities, 64/4) = 4
      embeddingDim: 32,
      weightDecay: 0.05,
      pixelFallback: true,
      stepsPerEpoch: 10, // one pass is ⌈40/16⌉ = 3 steps; at least 10
    });
    expect(decision(r, 'validation split').why).toMatch(/under 5: the card warns/);
    expect(decision(r, 'encoder')).toMatchObject({
      value: 'fast',
      why: 'fast conv encoder from scratch (photos, but face detection was not run)',
    });
  });

  it('face photos (faces in ≥ 80 % of the sample): the pretrained face trunk, its input, 128-d, no decay, 10 validations', () => {
    // LFW-like: 250×250 colour photos, faces found in 11 of 12 sampled (⌈0.8·12⌉ = 10 needed).
    const photos = { medianWidth: 250, medianHeight: 250, greyShare: 0.1, lightShare: 0.2, darkShare: 0.3 };
    const r = autoRecipe(describe_({ ...photos, identities: 6, images: 60, faces: { checked: 12, withFace: 11, sample: 12 } }));
    expect(r.settings).toMatchObject({
      backbone: 'face-resnet29',
      width: 150,
      height: 150,
      channels: 3,
      normalize: 'standard',
      augment: 'faces-strong', // still under 10 identities
      embeddingDim: 128, // not the few-class 32: the trunk's descriptor
      weightDecay: 0,
      epochs: 10,
      pixelFallback: true,
      flipAverage: true,
    });
    expect(decision(r, 'encoder').why).toMatch(/^faces in 11 of 12 sampled photos \(80 % of 12 needed\): dlib's pretrained face ResNet/);
    // Exactly at the share: 10 of 12 is enough, 9 is not.
    const at = (withFace: number, checked = 12) =>
      autoRecipe(describe_({ ...photos, faces: { checked, withFace, sample: 12 } })).settings.backbone;
    expect(at(10)).toBe('face-resnet29');
    expect(at(9)).toBe('fast');
    // A check stopped early (the third miss of 12) is not a face folder, and says so.
    const stopped = autoRecipe(describe_({ ...photos, faces: { checked: 3, withFace: 0, sample: 12 } }));
    expect(stopped.settings).toMatchObject({ backbone: 'fast', width: 48, height: 48, normalize: 'unit', epochs: 40, flipAverage: false });
    expect(decision(stopped, 'encoder').why).toMatch(/faces in 0 of 3 sampled photos \(80 % of 12 needed\): not a face folder/);
    // Grey portraits (ORL 92×112) with faces: the trunk still takes RGB.
    expect(
      autoRecipe(describe_({ medianWidth: 92, medianHeight: 112, greyShare: 1, faces: { checked: 12, withFace: 12, sample: 12 } }))
        .settings,
    ).toMatchObject({ backbone: 'face-resnet29', channels: 3 });
  });

  it('does not look for faces in ink or in images too small to hold one', () => {
    const ink = { lightShare: 0.9, darkShare: 0.08, faces: { checked: 12, withFace: 12, sample: 12 } };
    expect(decision(autoRecipe(describe_(ink)), 'encoder').value).toBe('fast');
    const small = autoRecipe(describe_({ medianWidth: 20, medianHeight: 200 }));
    expect(decision(small, 'encoder').why).toBe(
      'fast conv encoder from scratch (median image 20×200 px: too small to hold a detectable face)',
    );
  });

  it('says why no face check ran: a flag that fixed the encoder, a detector that failed, no readable size', () => {
    const photos = { medianWidth: 250, medianHeight: 250 };
    const skipped = autoRecipe(describe_({ ...photos, faceCheckSkipped: '--trunk-from given: the encoder starts from that trunk' }));
    expect(decision(skipped, 'encoder').why).toBe(
      'fast conv encoder from scratch (--trunk-from given: the encoder starts from that trunk)',
    );
    expect(skipped.settings).toMatchObject({ backbone: 'fast', width: 48, epochs: 40 });
    // An empty folder has no median size (NaN): it cannot hold faces, and the reason says what is missing.
    const empty = describe_({ identities: 0, images: 0, medianWidth: Number.NaN, medianHeight: Number.NaN });
    expect(canHoldFaces(empty)).toBe(false);
    expect(decision(autoRecipe(empty), 'encoder').why).toBe('fast conv encoder from scratch (no image size could be read)');
    expect(canHoldFaces(describe_({ medianWidth: 64, medianHeight: 300 }))).toBe(true);
    expect(canHoldFaces(describe_({ medianWidth: 63, medianHeight: 300 }))).toBe(false);
  });

  it('a --backbone given wins and skips the face check', () => {
    const r = autoRecipe(describe_({ medianWidth: 250, medianHeight: 250 }), { backbone: 'face-resnet29' });
    expect(decision(r, 'encoder')).toEqual({ rule: 'encoder', value: 'face-resnet29', why: '--backbone given (no face check run)' });
    expect(r.settings).toMatchObject({ width: 150, height: 150, channels: 3, embeddingDim: 128 });
  });

  it('two images per identity: balanced pairs (contrastive), 32 per step', () => {
    const r = autoRecipe(describe_({ identities: 50, images: 100, imagesPerIdentity: { min: 2, median: 2, max: 2 } }));
    expect(r.settings).toMatchObject({ loss: 'contrastive', batchSize: 32, margin: 1, k: 2 });
    expect(decision(r, 'loss').why).toMatch(/too few for P×K/);
  });

  it('keeps the aspect of portrait photos (ORL 92×112 → 40×48) and clamps extreme ones', () => {
    expect(inputSizeFor(92, 112)).toEqual({ width: 40, height: 48 });
    expect(inputSizeFor(220, 155)).toEqual({ width: 48, height: 32 }); // 48 / 1.419 = 33.8 → 32 (nearest multiple of 4)
    expect(inputSizeFor(300, 50)).toEqual({ width: 48, height: 24 }); // aspect 6 clamped to 2
    expect(inputSizeFor(10, 10)).toEqual({ width: 16, height: 16 }); // never under 16
    expect(inputSizeFor(Number.NaN, 10)).toEqual({ width: 48, height: 48 });
  });

  it('holds out at least a few identities for validation', () => {
    expect(validationIdentities(3)).toBe(0);
    expect(validationIdentities(6)).toBe(2);
    expect(validationIdentities(9)).toBe(3);
    expect(validationIdentities(12)).toBe(5);
    expect(validationIdentities(30)).toBe(6);
  });

  it('lets flags win, says so, and shapes the dependent rules on them', () => {
    const r = autoRecipe(describe_({}), { loss: 'triplet', width: 64, height: 64, augment: 'none' });
    expect(r.settings).toMatchObject({ loss: 'triplet', margin: 0.2, width: 64, height: 64, augment: 'none', batchSize: 64 });
    expect(decision(r, 'loss')).toEqual({ rule: 'loss', value: 'triplet', why: '--loss given (the rule would choose prototypical)' });
    expect(decision(r, 'augmentation').why).toBe('--augment given (the rule would choose faces)');
  });

  it('runs at most 40 validations and counts the patience from half way through the schedule (session 18)', () => {
    const r = autoRecipe(describe_({}));
    expect(r.settings).toMatchObject({ epochs: 40, patience: 8, patienceFrom: 'half-anneal', lrSchedule: 'cosine' });
    expect(decision(r, 'early stopping counts from').why).toMatch(/^half way through the cosine schedule/);
    // A flag still wins.
    const flagged = autoRecipe(describe_({}), { patienceFrom: 'start', epochs: 12 });
    expect(flagged.settings).toMatchObject({ epochs: 12, patienceFrom: 'start' });
    expect(decision(flagged, 'early stopping counts from').why).toBe('--patience-from given (the rule would choose half-anneal)');
    // With a constant learning rate (given) there is no anneal to wait for.
    const constant = autoRecipe(describe_({}), { lrSchedule: 'constant' });
    expect(constant.settings.patienceFrom).toBe('start');
  });

  it('tells ink from photos by the pixel statistics', () => {
    expect(looksLikeInk(describe_({ greyShare: 1, lightShare: 0.9, darkShare: 0.05 }))).toBe(true);
    expect(looksLikeInk(describe_({ greyShare: 1, lightShare: 0.3, darkShare: 0.2 }))).toBe(false); // grey photo
    expect(looksLikeInk(describe_({ greyShare: 0.2, lightShare: 0.9, darkShare: 0.05 }))).toBe(false); // colour
    expect(looksLikeInk(describe_({ greyShare: 1, lightShare: 0.65, darkShare: 0.35 }))).toBe(false); // heavy dark
  });
});

describe('dataset description', () => {
  it('measures grey, light and dark shares of a decoded image', () => {
    // 4 RGB pixels: white, black, mid grey, and one red pixel (coloured; luma 0.299 × 255 = 76 < 128: dark).
    const data = new Uint8Array([255, 255, 255, 0, 0, 0, 128, 128, 128, 255, 0, 0]);
    expect(pixelStats(data, 3)).toEqual({ grey: false, lightShare: 0.25, darkShare: 0.5 });
    // The same without the red pixel, as one grey channel: white, black, mid grey, white.
    expect(pixelStats(new Uint8Array([255, 0, 128, 255]), 1)).toEqual({ grey: true, lightShare: 0.5, darkShare: 0.25 });
  });

  it('takes medians', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});
