import { useContext, useEffect, useMemo, useState } from 'preact/hooks';
import { errorText, gql } from '../api';
import { Thumb } from '../components/thumb';
import { SessionContext } from '../session';

interface IdentityRow {
  id: string;
  name: string;
  imageCount: number;
  createdAt: string;
  images: Array<{ id: string }>;
}

interface ImageRow {
  id: string;
  width: number;
  height: number;
  byteSize: number;
  createdAt: string;
}

interface FileState {
  name: string;
  state: 'waiting' | 'enrolling' | 'done' | 'failed';
  error?: string;
}

const PAGE = 20;
/** Stop paging after this many (a console list, not an export). */
const MAX_LISTED = 2000;

async function loadAll(): Promise<IdentityRow[]> {
  const out: IdentityRow[] = [];
  let after: string | null = null;
  for (;;) {
    const d: { identities: { edges: Array<{ node: IdentityRow }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } =
      await gql(
        `query Identities($first: Int!, $after: String) { identities(first: $first, after: $after) {
        edges { node { id name imageCount createdAt images { id } } } pageInfo { hasNextPage endCursor } } }`,
        { first: PAGE, after },
      );
    out.push(...d.identities.edges.map((e) => e.node));
    if (!d.identities.pageInfo.hasNextPage || out.length >= MAX_LISTED) return out;
    after = d.identities.pageInfo.endCursor;
  }
}

/** The enrolled people: find, create, enroll photos (one call per file, so each file's error is its own), erase. */
export function IdentitiesPage() {
  const session = useContext(SessionContext);
  const [rows, setRows] = useState<IdentityRow[] | null>(null);
  const [filter, setFilter] = useState('');
  const [selected, setSelected] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [newName, setNewName] = useState('');

  const reload = () =>
    loadAll()
      .then(setRows)
      .catch((e) => setError(errorText(e)));
  useEffect(() => {
    if (session.viewer.seesPersonalData) reload();
  }, [session.viewer.seesPersonalData]);

  const shown = useMemo(() => {
    const q = filter.trim().toLowerCase();
    return (rows ?? []).filter((r) => !q || r.name.toLowerCase().includes(q) || r.id === q);
  }, [rows, filter]);

  if (!session.viewer.seesPersonalData) {
    return (
      <section aria-labelledby="ids-title">
        <h1 id="ids-title">Identities</h1>
        <p>Names and photos of enrolled people need role read: sign in with the admin token.</p>
      </section>
    );
  }

  const create = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const d = await gql<{ createIdentity: { id: string } }>(`mutation Create($name: String!) { createIdentity(name: $name) { id } }`, {
        name: newName,
      });
      setNewName('');
      await reload();
      setSelected(d.createIdentity.id);
    } catch (err) {
      setError(errorText(err));
    }
  };

  return (
    <section aria-labelledby="ids-title" class="identities">
      <h1 id="ids-title">Identities</h1>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      <div class="two-panes">
        <div class="pane list-pane">
          <label for="id-filter">Find by name</label>
          <input id="id-filter" type="search" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />
          {session.canEnroll && (
            <form onSubmit={create} class="create">
              <label for="new-name">New person's name</label>
              <input id="new-name" value={newName} required onInput={(e) => setNewName(e.currentTarget.value)} />
              <button type="submit">Create</button>
            </form>
          )}
          <p class="count" role="status">
            {rows ? `${shown.length} of ${rows.length} identities` : 'Loading…'}
          </p>
          <ul class="id-list" aria-label="identities">
            {shown.map((r) => (
              <li key={r.id}>
                <button
                  type="button"
                  class={selected === r.id ? 'selected' : ''}
                  aria-pressed={selected === r.id}
                  onClick={() => setSelected(r.id)}
                  data-identity-id={r.id}
                >
                  <Thumb imageId={r.images[0]?.id} alt={`photo of ${r.name}`} size={48} />
                  <span class="name">{r.name}</span>
                  <span class="n" aria-label={`${r.imageCount} images`}>
                    {r.imageCount}
                  </span>
                </button>
              </li>
            ))}
          </ul>
        </div>
        <div class="pane detail-pane">
          {selected ? (
            <IdentityDetail
              key={selected}
              id={selected}
              onChanged={reload}
              onDeleted={() => {
                setSelected(null);
                reload();
              }}
            />
          ) : (
            <p>Select a person to see their photos and enroll more.</p>
          )}
        </div>
      </div>
    </section>
  );
}

function IdentityDetail(props: { id: string; onChanged: () => void; onDeleted: () => void }) {
  const session = useContext(SessionContext);
  const [identity, setIdentity] = useState<{ id: string; name: string; images: ImageRow[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [files, setFiles] = useState<FileState[]>([]);
  const [over, setOver] = useState(false);

  const load = () =>
    gql<{ identity: { id: string; name: string; images: ImageRow[] } }>(
      `query One($id: ID!) { identity(id: $id) { id name images { id width height byteSize createdAt } } }`,
      { id: props.id },
    )
      .then((d) => setIdentity(d.identity))
      .catch((e) => setError(errorText(e)));
  useEffect(() => {
    load();
  }, [props.id]);

  const enroll = async (list: File[]) => {
    const states: FileState[] = list.map((f) => ({ name: f.name, state: 'waiting' }));
    setFiles([...states]);
    for (let i = 0; i < list.length; i++) {
      states[i] = { ...states[i], state: 'enrolling' };
      setFiles([...states]);
      try {
        await gql(`mutation Enroll($id: ID!, $images: [ImageInput!]!) { enrollImages(identityId: $id, images: $images) { id } }`, {
          id: props.id,
          images: [{ upload: list[i] }],
        });
        states[i] = { ...states[i], state: 'done' };
      } catch (e) {
        states[i] = { ...states[i], state: 'failed', error: errorText(e) };
      }
      setFiles([...states]);
    }
    await load();
    props.onChanged();
  };

  const deleteImage = async (imageId: string) => {
    if (!window.confirm('Erase this photo for good? Its vectors go too; this cannot be undone.')) return;
    try {
      await gql(`mutation DelImage($id: ID!) { deleteImage(id: $id) }`, { id: imageId });
      await load();
      props.onChanged();
    } catch (e) {
      setError(errorText(e));
    }
  };

  const deletePerson = async () => {
    if (!identity || !window.confirm(`Erase ${identity.name} and all their photos for good? This cannot be undone.`)) return;
    try {
      await gql(`mutation DelIdentity($id: ID!) { deleteIdentity(id: $id) }`, { id: props.id });
      props.onDeleted();
    } catch (e) {
      setError(errorText(e));
    }
  };

  if (!identity) return error ? <p role="alert">{error}</p> : <p>Loading…</p>;
  const done = files.filter((f) => f.state === 'done' || f.state === 'failed').length;
  return (
    <div>
      <h2>{identity.name}</h2>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      <ul class="image-grid" aria-label={`photos of ${identity.name}`}>
        {identity.images.map((im) => (
          <li key={im.id} data-image-id={im.id}>
            <Thumb imageId={im.id} alt={`photo of ${identity.name}, ${im.width}×${im.height}`} />
            {session.isAdmin && (
              <button
                type="button"
                class="danger small"
                onClick={() => deleteImage(im.id)}
                aria-label={`Delete photo ${im.id} of ${identity.name}`}
              >
                Delete
              </button>
            )}
          </li>
        ))}
      </ul>
      {session.canEnroll && (
        <div
          class={`drop${over ? ' over' : ''}`}
          onDragOver={(e) => {
            e.preventDefault();
            setOver(true);
          }}
          onDragLeave={() => setOver(false)}
          onDrop={(e) => {
            e.preventDefault();
            setOver(false);
            enroll(Array.from(e.dataTransfer?.files ?? []));
          }}
        >
          <label for="enroll-files">Add photos of {identity.name}</label>
          <input
            id="enroll-files"
            type="file"
            accept="image/*"
            multiple
            onChange={(e) => enroll(Array.from(e.currentTarget.files ?? []))}
          />
          <span class="hint">or drop many files here</span>
        </div>
      )}
      {files.length > 0 && (
        <div class="enroll-progress">
          <label for="enroll-bar">
            Enrolled {done} of {files.length}
          </label>
          <progress id="enroll-bar" max={files.length} value={done} />
          <ul aria-label="files">
            {files.map((f, i) => (
              <li key={i} class={f.state}>
                {f.name}: {f.state}
                {f.error ? ` — ${f.error}` : ''}
              </li>
            ))}
          </ul>
        </div>
      )}
      {session.isAdmin && (
        <button type="button" class="danger" onClick={deletePerson}>
          Delete {identity.name} and all photos
        </button>
      )}
    </div>
  );
}
