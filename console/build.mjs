// Builds the web console (console/src → console/dist) with Vite; the server embeds console/dist
// (console/embed.cmake), so the build output is committed and checked like the SDK bundle: a
// fresh machine builds the server without running Node, and `--check` proves the committed files
// are what the sources give.
//
//   node console/build.mjs           build into console/dist
//   node console/build.mjs --check   build into a temp dir; exit 1 unless console/dist matches it
//                                    file for file, byte for byte
import { build } from 'vite';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = dirname(fileURLToPath(import.meta.url));
const dist = join(dir, 'dist');

/** Every file under `root`: {relative name → bytes}. */
export function readTree(root) {
  const out = new Map();
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p); else out.set(relative(root, p), readFileSync(p));
    }
  };
  walk(root);
  return out;
}

async function viteBuild(outDir) {
  await build({ configFile: join(dir, 'vite.config.mjs'), build: { outDir } });
}

async function main() {
  if (!process.argv.includes('--check')) {
    await viteBuild(dist);
    for (const [name, bytes] of readTree(dist)) console.log(`build:console: console/dist/${name} (${bytes.length} bytes)`);
    return;
  }
  const tmp = mkdtempSync(join(tmpdir(), 'minirtc-console-'));
  try {
    await viteBuild(tmp);
    const fresh = readTree(tmp);
    let committed;
    try { committed = readTree(dist); } catch { committed = new Map(); }
    const names = new Set([...fresh.keys(), ...committed.keys()]);
    let ok = true;
    for (const name of [...names].sort()) {
      if (!committed.has(name)) { console.error(`check:console: console/dist/${name} is missing`); ok = false; }
      else if (!fresh.has(name)) { console.error(`check:console: console/dist/${name} is not built from the sources`); ok = false; }
      else if (!fresh.get(name).equals(committed.get(name))) { console.error(`check:console: console/dist/${name} differs from the sources`); ok = false; }
    }
    if (ok) console.log(`check:console: console/dist matches console/src (${names.size} files)`);
    else console.error('check:console: run `npm run build:console` and commit console/dist');
    process.exitCode = ok ? 0 : 1;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e); process.exitCode = 1; });
