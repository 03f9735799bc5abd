import { useCallback, useContext, useState } from 'preact/hooks';
import { errorText, gql } from '../api';
import { DistanceScale } from '../components/distance-scale';
import { FacePhoto, type FaceBox } from '../components/face-photo';
import { PhotoPicker } from '../components/photo-picker';
import { WebcamCapture } from '../components/webcam-capture';
import { Thumb } from '../components/thumb';
import { SessionContext } from '../session';

interface Match {
  distance: number;
  similarity: number;
  threshold: number;
  match: boolean;
  imageId: string;
  face: { box: FaceBox; score: number } | null;
  identity: { id: string; name?: string; imageCount: number };
}

const K = 5;

/** Who is this? One photo in, the k nearest identities out, with the open-set decision. */
export function SearchPage() {
  const session = useContext(SessionContext);
  const [file, setFile] = useState<File | null>(null);
  const [matches, setMatches] = useState<Match[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [feedback, setFeedback] = useState<Record<string, string>>({});

  const search = useCallback(
    async (f: File) => {
      setFile(f);
      setMatches(null);
      setError(null);
      setFeedback({});
      setBusy(true);
      const name = session.viewer.seesIdentityNames ? 'name' : '';
      try {
        const d = await gql<{ searchSimilar: Match[] }>(
          `query Search($image: ImageInput!, $k: Int!) { searchSimilar(image: $image, k: $k) {
            distance similarity threshold match imageId face { box { x y width height } score } identity { id ${name} imageCount } } }`,
          { image: { upload: f }, k: K },
        );
        setMatches(d.searchSimilar);
      } catch (e) {
        setError(errorText(e));
      } finally {
        setBusy(false);
      }
    },
    [session],
  );

  const label = async (m: Match, same: boolean) => {
    if (!file) return;
    setFeedback((f) => ({ ...f, [m.identity.id]: 'saving…' }));
    try {
      const d = await gql<{ labelPair: { id: string; correction: boolean | null } }>(
        `mutation Label($a: ImageInput!, $b: ImageInput!, $same: Boolean!, $ids: [ID!]) {
          labelPair(a: $a, b: $b, same: $same, identityIds: $ids) { id correction } }`,
        // The uploaded side shows this person only when the user says so; the enrolled side tags its owner itself.
        { a: { upload: file }, b: { imageId: m.imageId }, same, ids: same ? [m.identity.id] : [] },
      );
      setFeedback((f) => ({
        ...f,
        [m.identity.id]:
          `Recorded as ${same ? 'same person' : 'wrong person'}${d.labelPair.correction ? ' (a correction: the model decided otherwise)' : ''}.`,
      }));
    } catch (e) {
      setFeedback((f) => ({ ...f, [m.identity.id]: errorText(e) }));
    }
  };

  const best = matches?.[0];
  return (
    <section aria-labelledby="search-title">
      <h1 id="search-title">Search by photo</h1>
      <p class="lead">Who is this? Pick, drop or paste a photo; the closest enrolled people are listed, closest first.</p>
      <PhotoPicker id="search-photo" label="Choose a photo to search" onPick={search} pasteTarget />
      <WebcamCapture onCapture={search} />
      {busy && <p role="status">Searching…</p>}
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      <div class="search-result">
        {file && <FacePhoto file={file} box={best?.face?.box} alt="the photo searched with" />}
        {matches && (
          <div class="matches">
            <p class={`verdict ${best?.match ? 'match' : 'unknown'}`} role="status" data-testid="verdict">
              {best?.match ? `Match: ${best.identity.name ?? best.identity.id}` : 'Unknown: nobody enrolled is close enough'}
            </p>
            {matches.length === 0 && <p>The gallery is empty: enroll people on the Identities page.</p>}
            <ol class="match-list" aria-label="closest identities">
              {matches.map((m) => {
                const who = m.identity.name ?? m.identity.id;
                return (
                  <li key={m.identity.id} class={m.match ? 'match' : 'nomatch'} data-identity-id={m.identity.id}>
                    {session.viewer.seesPersonalData ? (
                      <Thumb imageId={m.imageId} alt={`closest enrolled photo of ${who}`} />
                    ) : (
                      <span class="thumb empty">·</span>
                    )}
                    <div class="match-body">
                      <strong>{who}</strong> <span class={`badge ${m.match ? 'match' : 'unknown'}`}>{m.match ? 'match' : 'unknown'}</span>
                      <div class="numbers">
                        distance {m.distance.toFixed(4)} · similarity {m.similarity.toFixed(4)} · {m.identity.imageCount} image(s)
                      </div>
                      <DistanceScale distance={m.distance} threshold={m.threshold} label={`distance to ${who}`} />
                      {session.canEnroll && (
                        <div class="buttons">
                          <button type="button" onClick={() => label(m, true)}>
                            Same person as {who}
                          </button>
                          <button type="button" onClick={() => label(m, false)}>
                            Wrong person: not {who}
                          </button>
                        </div>
                      )}
                      {feedback[m.identity.id] && <p role="status">{feedback[m.identity.id]}</p>}
                    </div>
                  </li>
                );
              })}
            </ol>
          </div>
        )}
      </div>
    </section>
  );
}
