// Bundles sdk/src into the one file mini programs copy into lib/ (sdk/dist/miniapp-rtc.min.js),
// and keeps the demo's copy (examples/miniprogram/lib/) identical.
//
//   node sdk/build.mjs           build and write both copies
//   node sdk/build.mjs --check   build to a temp file; exit 1 unless both copies match it byte for byte
//
// The output is a function expression assigned to `MiniappRtc`, handed to module.exports when
// there is one (mini program runtime, Node) and left as a global otherwise: ES2017, no runtime
// dependencies, deterministic for a given esbuild version and source tree.

import { build } from 'esbuild';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const sdkDir = dirname(fileURLToPath(import.meta.url));
const root = dirname(sdkDir);
const entry = join(sdkDir, 'src', 'index.js');
export const outputs = [
  join(sdkDir, 'dist', 'miniapp-rtc.min.js'),
  join(root, 'examples', 'miniprogram', 'lib', 'miniapp-rtc.min.js'),
];
const { version } = JSON.parse(readFileSync(join(sdkDir, 'package.json'), 'utf8'));

/**
 * Builds the bundle into `outfile`.
 * @param {string} outfile
 */
async function bundle(outfile) {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'iife',
    globalName: 'MiniappRtc',
    platform: 'neutral',
    target: 'es2017',
    minify: true,
    // Underscore members are private to the SDK: short names in the bundle. Kept: `_room` (the
    // state tests read it on the bundle as on the sources), `_session` and its `_conn` (the
    // attack harness's canary pings through them).
    mangleProps: /^_/,
    reserveProps: /^_(room|session|conn)$/,
    legalComments: 'none',
    charset: 'utf8',
    logLevel: 'warning',
    define: { __SDK_VERSION__: JSON.stringify(version) },
    banner: { js: `/*! MiniRTC mini program SDK ${version} */` },
    footer: { js: 'typeof module=="object"&&module&&module.exports&&(module.exports=MiniappRtc);' },
  });
}

async function main() {
  const check = process.argv.includes('--check');
  const tmp = mkdtempSync(join(tmpdir(), 'miniapp-rtc-'));
  try {
    const fresh = join(tmp, 'miniapp-rtc.min.js');
    await bundle(fresh);
    const bytes = readFileSync(fresh);
    if (check) {
      let ok = true;
      for (const out of outputs) {
        const name = relative(root, out);
        if (!existsSync(out)) {
          console.error(`check:sdk: ${name} is missing; run npm run build:sdk`);
          ok = false;
        } else if (!readFileSync(out).equals(bytes)) {
          console.error(`check:sdk: ${name} does not match sdk/src; run npm run build:sdk and commit it`);
          ok = false;
        } else {
          console.log(`check:sdk: ${name} matches sdk/src (${bytes.length} bytes)`);
        }
      }
      process.exitCode = ok ? 0 : 1;
    } else {
      for (const out of outputs) {
        mkdirSync(dirname(out), { recursive: true });
        writeFileSync(out, bytes);
        console.log(`build:sdk: wrote ${relative(root, out)} (${bytes.length} bytes)`);
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
