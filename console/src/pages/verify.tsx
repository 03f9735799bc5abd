import { useEffect, useState } from 'preact/hooks';
import { errorText, gql } from '../api';
import { DistanceScale } from '../components/distance-scale';
import { FacePhoto, type FaceBox } from '../components/face-photo';
import { PhotoPicker } from '../components/photo-picker';

interface Verification {
  distance: number;
  similarity: number;
  threshold: number;
  match: boolean;
  metric: string;
  modelVersion: string;
  faceA: { box: FaceBox } | null;
  faceB: { box: FaceBox } | null;
}

interface Thresholds {
  default: number;
  eer: number;
  maxAccuracy: number;
  atTargetFar: number;
  targetFar: number;
}

/** Are these two photos the same person? Side by side, with the served thresholds on the scale. */
export function VerifyPage() {
  const [a, setA] = useState<File | null>(null);
  const [b, setB] = useState<File | null>(null);
  const [result, setResult] = useState<Verification | null>(null);
  const [thresholds, setThresholds] = useState<Thresholds | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    gql<{ model: { thresholds: Thresholds } }>(`{ model { thresholds { default eer maxAccuracy atTargetFar targetFar } } }`)
      .then((d) => setThresholds(d.model.thresholds))
      .catch((e) => setError(errorText(e)));
  }, []);

  useEffect(() => {
    if (!a || !b) return;
    setResult(null);
    setError(null);
    gql<{ verify: Verification }>(
      `query Verify($a: ImageInput!, $b: ImageInput!) { verify(a: $a, b: $b) {
        distance similarity threshold match metric modelVersion faceA { box { x y width height } } faceB { box { x y width height } } } }`,
      { a: { upload: a }, b: { upload: b } },
    )
      .then((d) => setResult(d.verify))
      .catch((e) => setError(errorText(e)));
  }, [a, b]);

  return (
    <section aria-labelledby="verify-title">
      <h1 id="verify-title">Verify two photos</h1>
      <p class="lead">Same person or not? The distance is compared with the model's calibrated threshold.</p>
      <div class="side-by-side">
        <div>
          <PhotoPicker id="verify-a" label="Choose photo A" onPick={setA} />
          {a && <FacePhoto file={a} box={result?.faceA?.box} alt="photo A" />}
        </div>
        <div>
          <PhotoPicker id="verify-b" label="Choose photo B" onPick={setB} />
          {b && <FacePhoto file={b} box={result?.faceB?.box} alt="photo B" />}
        </div>
      </div>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {result && (
        <div class="verify-result">
          <p class={`verdict ${result.match ? 'match' : 'unknown'}`} role="status" data-testid="verdict">
            {result.match ? 'Same person' : 'Different people'} (distance {result.distance.toFixed(4)}, similarity{' '}
            {result.similarity.toFixed(4)}, {result.metric}, model {result.modelVersion})
          </p>
          <DistanceScale
            distance={result.distance}
            threshold={result.threshold}
            label="distance between A and B"
            marks={
              thresholds
                ? [
                    { label: 'EER', value: thresholds.eer },
                    { label: 'max acc.', value: thresholds.maxAccuracy },
                    { label: `FAR ${(thresholds.targetFar * 100).toPrecision(2)}%`, value: thresholds.atTargetFar },
                  ]
                : []
            }
          />
        </div>
      )}
    </section>
  );
}
