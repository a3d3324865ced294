// sdk/index.d.ts matches the implementation: an app written against it (tests/types/app.ts)
// compiles with `tsc --noEmit` (TypeScript from npm, a devDependency), and the names it declares
// (Client members, EVENTS, ERROR_CODES) are exactly the ones the SDK exports.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
// The sources, also when the suite runs on the bundle: the bundle shortens private names.
import { Client, EVENTS, ERROR_CODES } from '../../sdk/src/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dts = readFileSync(new URL('../../sdk/index.d.ts', import.meta.url), 'utf8');

test('an app written against index.d.ts compiles (tsc --noEmit, @ts-expect-error lines are errors)', () => {
  try {
    execFileSync(`${root}node_modules/.bin/tsc`, ['-p', 'tests/types/tsconfig.json'], { cwd: root, encoding: 'utf8' });
  } catch (err) {
    assert.fail(`tsc failed:\n${err.stdout || ''}${err.stderr || err.message}`);
  }
});

/** The body of `declare const NAME: Readonly<{ ... }>` or `declare class NAME { ... }`. */
function block(start) {
  const i = dts.indexOf(start);
  assert.ok(i >= 0, `index.d.ts declares ${start}`);
  let depth = 0;
  for (let j = dts.indexOf('{', i); j < dts.length; j++) {
    if (dts[j] === '{') depth++;
    else if (dts[j] === '}' && --depth === 0) return dts.slice(dts.indexOf('{', i) + 1, j);
  }
  throw new Error(`unbalanced ${start}`);
}

test('the Client members of index.d.ts are the public methods and getters of the implementation', () => {
  const body = block('export declare class Client').replace(/\/\*\*[\s\S]*?\*\//g, '');
  const declared = new Set();
  for (const m of body.matchAll(/^  (?:static |readonly )?([A-Za-z]\w*)\s*[(<:]/gm)) declared.add(m[1]);
  declared.delete('constructor');
  const implemented = new Set();
  for (let proto = Client.prototype; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const name of Object.getOwnPropertyNames(proto)) if (!name.startsWith('_') && name !== 'constructor') implemented.add(name);
  }
  for (const name of Object.getOwnPropertyNames(Client)) if (typeof Client[name] === 'function') implemented.add(name);
  assert.deepEqual([...declared].sort(), [...implemented].sort());
});

test('EVENTS and ERROR_CODES of index.d.ts are the exported constants, values included', () => {
  const codes = {};
  for (const m of block('export declare const ERROR_CODES').matchAll(/^\s*(\w+):\s*(\d+);/gm)) codes[m[1]] = Number(m[2]);
  assert.deepEqual(codes, { ...ERROR_CODES });
  const events = [...block('export interface EventPayloads').matchAll(/^\s*(\w+):/gm)].map((m) => m[1]);
  assert.deepEqual(events.sort(), Object.keys(EVENTS).sort());
});
