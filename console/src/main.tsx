import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { errorText, getToken, gql, setToken } from './api';
import { IdentitiesPage } from './pages/identities';
import { ModelPage } from './pages/model';
import { SearchPage } from './pages/search';
import { TrainingPage } from './pages/training';
import { VerifyPage } from './pages/verify';
import { ANONYMOUS, SessionContext, VIEWER_QUERY, type Session, type Viewer } from './session';

const PAGES = [
  { path: 'search', title: 'Search', view: SearchPage },
  { path: 'verify', title: 'Verify', view: VerifyPage },
  { path: 'identities', title: 'Identities', view: IdentitiesPage },
  { path: 'model', title: 'Model', view: ModelPage },
  { path: 'training', title: 'Training', view: TrainingPage },
] as const;

/** Hash routes (#/search …): the server serves one file, and reloads keep the page. */
function currentPath(): string {
  const p = location.hash.replace(/^#\/?/, '');
  return PAGES.some((x) => x.path === p) ? p : 'search';
}

function SignIn(props: { viewer: Viewer; onChange: () => void }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  if (props.viewer.authenticated) {
    return (
      <div class="signin">
        <span role="status">Signed in ({props.viewer.role.toLowerCase()})</span>
        <button
          type="button"
          onClick={() => {
            setToken(null);
            props.onChange();
          }}
        >
          Sign out
        </button>
      </div>
    );
  }
  return (
    <form
      class="signin"
      onSubmit={async (e) => {
        e.preventDefault();
        setError(null);
        setToken(value.trim());
        try {
          await gql(VIEWER_QUERY);
          setValue('');
          props.onChange();
        } catch (err) {
          setToken(null);
          setError(errorText(err));
        }
      }}
    >
      <label for="admin-token">Admin token</label>
      <input id="admin-token" type="password" autocomplete="off" value={value} onInput={(e) => setValue(e.currentTarget.value)} required />
      <button type="submit">Sign in</button>
      {error && (
        <span role="alert" class="error">
          {error}
        </span>
      )}
    </form>
  );
}

function App() {
  const [path, setPath] = useState(currentPath());
  const [viewer, setViewer] = useState<Viewer>(ANONYMOUS);
  const [loaded, setLoaded] = useState(false);

  const refreshViewer = () =>
    gql<{ viewer: Viewer }>(VIEWER_QUERY)
      .then((d) => setViewer(d.viewer))
      .catch(() => {
        // A token the server no longer accepts (restarted with another one): drop it.
        if (getToken()) setToken(null);
        setViewer(ANONYMOUS);
      })
      .finally(() => setLoaded(true));

  useEffect(() => {
    refreshViewer();
    const onHash = () => setPath(currentPath());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  const session = useMemo<Session>(
    () => ({
      viewer,
      isAdmin: viewer.role === 'ADMIN',
      canEnroll: viewer.role === 'ADMIN' || viewer.role === 'ENROLL',
    }),
    [viewer],
  );
  const page = PAGES.find((p) => p.path === path) ?? PAGES[0];
  const View = page.view;
  useEffect(() => {
    document.title = `${page.title} · siamese-search console`;
  }, [page]);

  return (
    <SessionContext.Provider value={session}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header>
        <span class="brand">siamese-search</span>
        <nav aria-label="pages">
          <ul>
            {PAGES.map((p) => (
              <li key={p.path}>
                <a href={`#/${p.path}`} aria-current={p.path === path ? 'page' : undefined}>
                  {p.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <SignIn viewer={viewer} onChange={refreshViewer} />
      </header>
      <main id="main" tabIndex={-1} data-ready={loaded ? 'true' : 'false'}>
        {loaded && <View key={`${path}:${viewer.role}`} />}
      </main>
    </SessionContext.Provider>
  );
}

render(<App />, document.getElementById('app')!);
// For the time-to-first-render measurement (scripts/console-screenshots.ts).
performance.mark('console-rendered');
