/**
 * GraphiQL for browsers at GET /graphql, entirely from our own dependencies: the `graphiql` package's
 * prebuilt bundle and React's UMD builds, read from node_modules and served under GRAPHIQL_ASSETS.
 * Nothing is fetched from a CDN, so it works offline, and the page's Content-Security-Policy lets it
 * load nothing but this server. It opens with the README's examples as tabs (src/graphql/examples.ts).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Example } from '../graphql/examples';

export const GRAPHIQL_ASSETS = '/graphiql/';

interface Asset {
  readonly body: Buffer;
  readonly contentType: string;
}

const packageFile = (pkg: string, file: string): Buffer => fs.readFileSync(path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file));

/**
 * Starts GraphiQL with the tabs and endpoints the page carries in `#graphiql-config`; its own file,
 * so the page needs no inline script (CSP `script-src 'self'`).
 */
const BOOT = `(() => {
  const config = JSON.parse(document.getElementById('graphiql-config').textContent);
  const ws = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + config.path;
  const fetcher = GraphiQL.createFetcher({ url: config.path, subscriptionUrl: ws });
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, { fetcher, defaultTabs: config.tabs, defaultEditorToolsVisibility: true, shouldPersistHeaders: true }),
  );
})();
`;

let assets: ReadonlyMap<string, Asset> | undefined;

/** The assets by file name, read once on first use (about 1.6 MB). */
function loadAssets(): ReadonlyMap<string, Asset> {
  assets ??= new Map([
    ['react.js', { body: packageFile('react', 'umd/react.production.min.js'), contentType: 'text/javascript; charset=utf-8' }],
    ['react-dom.js', { body: packageFile('react-dom', 'umd/react-dom.production.min.js'), contentType: 'text/javascript; charset=utf-8' }],
    ['graphiql.js', { body: packageFile('graphiql', 'graphiql.min.js'), contentType: 'text/javascript; charset=utf-8' }],
    ['graphiql.css', { body: packageFile('graphiql', 'graphiql.min.css'), contentType: 'text/css; charset=utf-8' }],
    ['boot.js', { body: Buffer.from(BOOT), contentType: 'text/javascript; charset=utf-8' }],
  ]);
  return assets;
}

/** A short hash of every asset: part of their URLs, so browsers may cache them for good. */
let version: string | undefined;
function assetsVersion(): string {
  if (version === undefined) {
    const hash = createHash('sha256');
    for (const asset of loadAssets().values()) hash.update(asset.body);
    version = hash.digest('hex').slice(0, 12);
  }
  return version;
}

/** A browser asks for a page (not a GraphQL answer). */
export const wantsHtml = (accept: string | undefined): boolean => accept !== undefined && accept.includes('text/html');

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  // GraphiQL's editors set style attributes.
  "style-src 'self' 'unsafe-inline'",
  'font-src data:',
  "img-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const escapeHtmlJson = (value: unknown): string => JSON.stringify(value).replace(/</g, '\\u003c');

export interface GraphiqlPage {
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export function graphiqlPage(graphqlPath: string, examples: readonly Example[]): GraphiqlPage {
  const base = `${GRAPHIQL_ASSETS}${assetsVersion()}/`;
  const tabs = examples.map((e) => ({
    query: `# ${e.name}\n${e.query}\n`,
    variables: JSON.stringify(e.variables, null, 2),
    ...(e.headers ? { headers: JSON.stringify(e.headers, null, 2) } : {}),
  }));
  const body = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Slotstream GraphiQL</title>
<link rel="stylesheet" href="${base}graphiql.css">
<style>body { margin: 0; } #graphiql { height: 100vh; }</style>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script id="graphiql-config" type="application/json">${escapeHtmlJson({ path: graphqlPath, tabs })}</script>
<script src="${base}react.js"></script>
<script src="${base}react-dom.js"></script>
<script src="${base}graphiql.js"></script>
<script src="${base}boot.js"></script>
</body>
</html>
`;
  return {
    headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Security-Policy': CSP },
    body,
  };
}

/** An asset under GRAPHIQL_ASSETS (`/graphiql/<version>/<file>`), or undefined for anything else. */
export function graphiqlAsset(pathname: string): { readonly headers: Readonly<Record<string, string>>; readonly body: Buffer } | undefined {
  const [ver, file, ...rest] = pathname.slice(GRAPHIQL_ASSETS.length).split('/');
  if (ver !== assetsVersion() || file === undefined || rest.length > 0) return undefined;
  const asset = loadAssets().get(file);
  if (!asset) return undefined;
  return {
    headers: {
      'Content-Type': asset.contentType,
      'Content-Length': String(asset.body.length),
      'Cache-Control': 'public, max-age=31536000, immutable',
      'X-Content-Type-Options': 'nosniff',
    },
    body: asset.body,
  };
}
