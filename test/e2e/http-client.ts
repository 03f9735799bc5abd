/**
 * Minimal GraphQL-over-HTTP client for the end-to-end tests: JSON POSTs and
 * GraphQL multipart requests (operations + map + files) built with Node's
 * own fetch/FormData, exactly as a browser client would send them.
 */
export interface GqlResponse<T = Record<string, unknown>> {
  status: number;
  data: T | null;
  errors: Array<{ message: string; extensions?: { code?: string } & Record<string, unknown>; path?: unknown[] }> | undefined;
}

export interface CallOptions {
  token?: string;
  headers?: Record<string, string>;
}

export async function gql<T = any>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  opts: CallOptions = {},
): Promise<GqlResponse<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...(opts.headers ?? {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  return parse<T>(res);
}

/**
 * `files` maps a variable path (e.g. "variables.a.upload") to the file bytes.
 * Sends Apollo-Require-Preflight unless `preflight: false`.
 */
export async function gqlMultipart<T = any>(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  files: Array<{ path: string; bytes: Uint8Array; filename?: string; type?: string }>,
  opts: CallOptions & { preflight?: boolean } = {},
): Promise<GqlResponse<T>> {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query, variables }));
  const map: Record<string, string[]> = {};
  files.forEach((f, i) => (map[String(i)] = [f.path]));
  form.append('map', JSON.stringify(map));
  files.forEach((f, i) =>
    form.append(String(i), new Blob([new Uint8Array(f.bytes)], { type: f.type ?? 'image/png' }), f.filename ?? `f${i}.png`),
  );
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      ...(opts.preflight === false ? {} : { 'apollo-require-preflight': 'true' }),
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...(opts.headers ?? {}),
    },
    body: form,
  });
  return parse<T>(res);
}

async function parse<T>(res: Response): Promise<GqlResponse<T>> {
  const text = await res.text();
  let body: { data?: T | null; errors?: GqlResponse<T>['errors'] };
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`non-JSON response ${res.status}: ${text.slice(0, 200)}`);
  }
  return { status: res.status, data: body.data ?? null, errors: body.errors };
}

export function codes(r: GqlResponse): string[] {
  return (r.errors ?? []).map((e) => e.extensions?.code ?? '?');
}
