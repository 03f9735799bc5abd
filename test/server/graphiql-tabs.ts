/**
 * The default tabs of a GraphiQL page as the browser gets them: the options
 * object that the page passes to renderYogaGraphiQL, read back from the HTML
 * (a JSON literal; scanned to its closing brace, strings respected).
 */
export interface PageTab {
  query: string;
  variables?: string;
  headers?: string;
}

export function tabsFromGraphiqlHtml(html: string): PageTab[] {
  const call = html.indexOf('renderYogaGraphiQL(');
  const start = html.indexOf('{"', html.indexOf(',', call));
  if (call < 0 || start < 0) throw new Error('no renderYogaGraphiQL options in the page');
  let depth = 0;
  let inString = false;
  for (let i = start; i < html.length; i++) {
    const c = html[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return (JSON.parse(html.slice(start, i + 1)) as { defaultTabs?: PageTab[] }).defaultTabs ?? [];
    }
  }
  throw new Error('unterminated renderYogaGraphiQL options');
}
