/**
 * The console's only way to the server: GraphQL over HTTP (multipart for files, per the
 * GraphQL multipart request spec) and the thumbnail route, both with the admin token when the
 * user signed in. The token is kept in sessionStorage: it lasts as long as this tab, and no
 * other tab, window or later visit sees it.
 */
const TOKEN_KEY = 'siamese.adminToken';

export function getToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(token: string | null): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

export function authHeaders(): Record<string, string> {
  const t = getToken();
  return t ? { Authorization: `Bearer ${t}` } : {};
}

/** A GraphQL error as the server sends it: a message and a stable code. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

type Vars = Record<string, unknown>;

/**
 * Runs one operation. Files (File/Blob values anywhere in `variables`) go as multipart: the
 * server's CSRF guard wants the Apollo-Require-Preflight header on those.
 */
export async function gql<T>(query: string, variables: Vars = {}): Promise<T> {
  const files: Array<{ path: string; file: Blob }> = [];
  const plain = extractFiles(variables, 'variables', files);
  let res: Response;
  if (files.length === 0) {
    res = await fetch('/graphql', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...authHeaders() },
      body: JSON.stringify({ query, variables }),
    });
  } else {
    const form = new FormData();
    form.append('operations', JSON.stringify({ query, variables: plain }));
    form.append('map', JSON.stringify(Object.fromEntries(files.map((f, i) => [String(i), [f.path]]))));
    files.forEach((f, i) => form.append(String(i), f.file, f.file instanceof File ? f.file.name : `file${i}`));
    res = await fetch('/graphql', { method: 'POST', headers: { 'Apollo-Require-Preflight': 'true', ...authHeaders() }, body: form });
  }
  let body: { data?: T; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
  try {
    body = await res.json();
  } catch {
    throw new ApiError(`The server answered ${res.status} without a GraphQL body`, 'NETWORK');
  }
  if (body.errors?.length) {
    const e = body.errors[0];
    const { code, ...details } = e.extensions ?? {};
    throw new ApiError(e.message, String(code ?? 'UNKNOWN'), details);
  }
  return body.data as T;
}

function extractFiles(value: unknown, path: string, out: Array<{ path: string; file: Blob }>): unknown {
  if (value instanceof Blob) {
    out.push({ path, file: value });
    return null;
  }
  if (Array.isArray(value)) return value.map((v, i) => extractFiles(v, `${path}.${i}`, out));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, extractFiles(v, `${path}.${k}`, out)]));
  }
  return value;
}

/** The blob URL of an enrolled image's thumbnail (the route needs the Authorization header, so no plain <img src>). */
export async function thumbnailUrl(imageId: string, size = 96): Promise<string> {
  const res = await fetch(`/thumbnails/${encodeURIComponent(imageId)}?size=${size}`, { headers: authHeaders() });
  if (!res.ok) throw new ApiError(`thumbnail ${imageId}: HTTP ${res.status}`, res.status === 404 ? 'NOT_FOUND' : 'HTTP');
  return URL.createObjectURL(await res.blob());
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return `${e.message} (${e.code})`;
  return e instanceof Error ? e.message : String(e);
}
