import { graphiqlHtml } from '../../src/server/graphiql';

/**
 * GraphiQL must work offline: no <script src>, <link href> or CSS import may
 * point off the server. (The bundle mentions URLs in license comments and
 * error messages; only loadable references matter.)
 */
describe('GraphiQL page', () => {
  const html = graphiqlHtml('/graphql');

  it('loads no external script, stylesheet, font or image', () => {
    const external = [
      ...html.matchAll(/<script[^>]+src\s*=\s*["']?(https?:)?\/\//gi),
      ...html.matchAll(/<link[^>]+href\s*=\s*["']?(https?:)?\/\//gi),
      ...html.matchAll(/@import\s+(url\()?["']?https?:/gi),
      ...html.matchAll(/url\(\s*["']?https?:\/\//gi),
      ...html.matchAll(/\bimport\s*\(\s*["']https?:/gi),
    ];
    expect(external.map((m) => m[0])).toEqual([]);
    expect(html).not.toMatch(/unpkg\.com|jsdelivr|cdnjs|esm\.sh|fonts\.googleapis/);
  });

  it('ships the example operations and targets our endpoint', () => {
    expect(html).toContain('searchSimilar');
    expect(html).toContain('verify(a:');
    expect(html).toContain('createIdentity');
    expect(html).toContain('detectFaces(image:');
    expect(html).toContain('"endpoint":"/graphql"');
  });
});
