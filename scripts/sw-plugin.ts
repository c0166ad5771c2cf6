// Vite plugin: gives the service worker (src/app/sw.ts, built as dist/sw.js) the list of files the
// notebook needs offline and a version that changes whenever any of them does. The list is what
// index.html reaches (scripts, styles, the training worker, KaTeX's woff2 fonts), followed
// transitively through every file's text, plus the public files (MNIST in data/, the icon).
// The fixture and benchmark pages are left out: they are for developers, and 10 MB of fixtures.
// index.html gets the version as <meta name="notebook-build">.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { Plugin, ResolvedConfig } from 'vite';

/** The placeholder in sw.ts that becomes `{"version": …, "files": […]}`. */
const PLACEHOLDER = /(["'`])__SW_MANIFEST__\1/;

function publicFiles(dir: string, prefix = ''): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((n) => (statSync(join(dir, n)).isDirectory() ? publicFiles(join(dir, n), `${prefix}${n}/`) : [`${prefix}${n}`]));
}

/**
 * Every bundle file reachable from `start` by name; a font only as woff2 (every browser with
 * WebGPU reads woff2, so the .woff/.ttf fallbacks would never be used); no other page (the header's
 * link to fixtures/check.html needs the network).
 */
function reachable(start: string, text: Map<string, string>): string[] {
  const names = [...text.keys()];
  const seen = new Set([start]);
  const todo = [start];
  while (todo.length) {
    const body = text.get(todo.pop()!)!;
    for (const n of names) {
      if (seen.has(n) || /\.(woff|ttf|html)$/.test(n) || !body.includes(posix.basename(n))) continue;
      seen.add(n);
      todo.push(n);
    }
  }
  return [...seen].sort();
}

export function serviceWorkerManifest(swFile = 'sw.js'): Plugin {
  let config: ResolvedConfig;
  return {
    name: 'sw-manifest',
    apply: 'build',
    enforce: 'post',
    configResolved(c) {
      config = c;
    },
    generateBundle(_, bundle) {
      const sw = bundle[swFile];
      if (!sw || sw.type !== 'chunk') throw new Error(`sw-manifest: the bundle has no ${swFile} chunk (is src/app/sw.ts an input named "sw"?)`);
      if (!PLACEHOLDER.test(sw.code)) throw new Error(`sw-manifest: ${swFile} has no "__SW_MANIFEST__" placeholder`);
      const text = new Map<string, string>();
      const bytes = new Map<string, Uint8Array>();
      for (const [name, f] of Object.entries(bundle)) {
        if (name === swFile) continue;
        const b = f.type === 'chunk' ? new TextEncoder().encode(f.code) : typeof f.source === 'string' ? new TextEncoder().encode(f.source) : f.source;
        bytes.set(name, b);
        text.set(name, /\.(html|js|css)$/.test(name) ? new TextDecoder().decode(b) : '');
      }
      if (!text.has('index.html')) throw new Error('sw-manifest: the bundle has no index.html');
      const pub = config.publicDir ? publicFiles(config.publicDir) : [];
      const files = [...reachable('index.html', text), ...pub];
      const hash = createHash('sha256');
      for (const f of files)
        hash
          .update(f)
          .update('\0')
          .update(bytes.get(f) ?? readFileSync(join(config.publicDir, f)))
          .update('\0');
      const manifest = { version: hash.digest('hex').slice(0, 16), files };
      sw.code = sw.code.replace(PLACEHOLDER, JSON.stringify(manifest));
      // The page learns its own build from a meta tag, to tell "this build is cached" from "a newer one is".
      const index = bundle['index.html'];
      if (index.type !== 'asset' || typeof index.source !== 'string' || !index.source.includes('</head>'))
        throw new Error('sw-manifest: index.html has no </head> for the build tag');
      index.source = index.source.replace('</head>', `  <meta name="notebook-build" content="${manifest.version}" />\n  </head>`);
    },
  };
}
