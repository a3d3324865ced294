// The fixture and small helpers every cluster end-to-end test (tests/e2e/cluster*.test.mjs) used
// to paste: one real Redis (redis.mjs), a temporary directory with the shared cluster.toml, nodes
// n1..nN of the real binary (cluster_node.mjs), and the teardown in the order the tests need
// (their own cleanup first, then phones, nodes, Redis, the callback receiver, the directory).
// It adds no behaviour of its own: what redis.mjs, cluster_node.mjs, media.mjs (sleep, waitFor)
// and sdk_phone.mjs (Phone, SLOW) do stays theirs. Differences between the tests (options in the
// toml, number of nodes, a callback receiver, waiting until the nodes see each other) are
// parameters.
//
//   const fx = useCluster({ ids: ['n1', 'n2'], prefix: 'edge', app: `${appId}:${appKey}`, adminKey,
//     toml: '[cluster]\nsecret = "s"\n' });
//   const { nodes, phones, cleanup } = fx;  // live arrays: what is in them at `after` is stopped
//   test('…', { skip: fx.skip }, async () => { await fx.redis.cli('GET', key); … });
import { before, after } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binaryPath } from './server.mjs';
import { startRedis } from './redis.mjs';
import { startClusterNode } from './cluster_node.mjs';
import { startReceiver } from './callback_receiver.mjs';
import { Phone, SLOW } from './sdk_phone.mjs';
import { sleep, waitFor } from './media.mjs';

/**
 * A sample of `node`'s /metrics: the first line of `name` (with or without labels; cluster nodes
 * label every sample with their id) whose text includes `label`.
 * @param {{base: string}} node
 * @param {string} name
 * @param {{label?: string, missing?: number}} [options] label: e.g. 'reason="x"';
 *   missing: the value when no sample matches (default NaN)
 * @returns {Promise<number>}
 */
export async function metric(node, name, { label = '', missing = NaN } = {}) {
  const text = await (await fetch(`${node.base}/metrics`)).text();
  const line = text.split('\n').find((l) => (l.startsWith(`${name} `) || l.startsWith(`${name}{`)) && l.includes(label));
  return line ? Number(line.split(' ').pop()) : missing;
}

/**
 * An admin API client: `(node, path, body?)` calls `${node.base}/v1/admin${path}` with the key,
 * GET without a body, POST with `body` as JSON; a redirect is returned, not followed, unless told.
 * @param {string} adminKey
 * @param {{redirect?: 'manual'|'follow'}} [options]
 * @returns {(node: {base: string}, path: string, body?: unknown) => Promise<{status: number, body: any}>}
 *   body: the parsed JSON reply, null when it is not JSON
 */
export function adminClient(adminKey, { redirect = 'manual' } = {}) {
  return async (node, path, body) => {
    const res = await fetch(`${node.base}/v1/admin${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${adminKey}` },
      body: body === undefined ? undefined : JSON.stringify(body),
      redirect,
    });
    return { status: res.status, body: await res.json().catch(() => null) };
  };
}

/**
 * GET `url` with `headers`; the reply parsed as JSON (throws when it is not JSON).
 * @returns {Promise<{status: number, body: any}>}
 */
export async function getJson(url, headers = {}) {
  const res = await fetch(url, { headers });
  return { status: res.status, body: await res.json() };
}

/**
 * `promise`'s value, or null when it has not settled within `ms`.
 * @template T
 * @param {Promise<T>} promise
 * @param {number} ms
 * @returns {Promise<T|null>}
 */
export const within = (promise, ms) => Promise.race([promise, sleep(ms).then(() => null)]);

/**
 * The nodes that hold a room: those whose admin API answers 200 for it (the others redirect),
 * asked one after the other.
 * @param {(node: any, path: string) => Promise<{status: number}>} admin as adminClient's
 * @param {any[]} nodes
 * @param {string} appId
 * @param {string} roomId
 * @returns {Promise<any[]>}
 */
export async function roomHolders(admin, nodes, appId, roomId) {
  const holders = [];
  for (const n of nodes) if ((await admin(n, `/apps/${appId}/rooms/${roomId}`)).status === 200) holders.push(n);
  return holders;
}

/**
 * A phone (sdk_phone.mjs) whose config lists `node`'s signalling URL first, as a client a
 * balancer sent there would have it; the SDK follows any redirect itself.
 * @param {{base: string, http: string, id: string}} node
 * @param {object} [clientOptions] as Phone's
 * @returns {Phone}
 */
export function phoneOn(node, clientOptions = {}) {
  const phone = new Phone(node.base, clientOptions);
  const first = `ws://${node.http}/${node.id}/v1/signal`;
  const request = phone.wx.request;
  phone.wx.request = (opts) => request({ ...opts, success: (res) => {
    const urls = res && res.data && res.data.signalUrls;
    if (Array.isArray(urls)) res.data.signalUrls = [first, ...urls.filter((u) => u !== first)];
    opts.success(res);
  } });
  return phone;
}

/**
 * One test cluster per test file: registers the file's node:test `before` (Redis, the directory,
 * the receiver if asked, cluster.toml, the nodes in order) and `after` hooks, and returns the
 * live fixture. Nothing starts when the binary is missing (`skip` says why).
 * @param {{ids: string[], toml: string | ((fx: {receiver: any}) => string), app: string|null,
 *   adminKey: string, prefix: string, receiver?: {secret: string}, waitForNodes?: boolean}} options
 *   toml: cluster.toml's text, or a function of the fixture (to name the receiver's URL);
 *   app: "APPID:APPKEY" on the command line (null: the apps come from the toml);
 *   prefix: of the temporary directory's name (minirtc-PREFIX-…);
 *   receiver: start a callback receiver (callback_receiver.mjs) with this secret before the toml;
 *   waitForNodes: before the tests, wait until every node lists all of them
 * @returns {{skip: string|false, redis: any, dir: string, receiver: any, nodes: any[], phones: Phone[],
 *   cleanup: Array<() => unknown>, startNode: (id: string, extra?: string[]) => Promise<any>}}
 *   redis, dir, receiver: set in `before`; nodes, phones, cleanup: the arrays `after` works
 *   through (cleanup's functions first, in order; then every phone destroyed, every node still in
 *   `nodes` stopped, resumed first in case a test left it stopped with SIGSTOP); startNode starts
 *   one more node with the fixture's options and adds it to `nodes`
 */
export function useCluster({ ids, toml, app, adminKey, prefix, receiver = null, waitForNodes = false }) {
  const fx = {
    skip: binaryPath() ? false : 'MINIRTC_BIN not set or missing',
    redis: null,
    dir: null,
    receiver: null,
    nodes: [],
    phones: [],
    cleanup: [],
    async startNode(id, extra = []) {
      const node = await startClusterNode({ id, redisUrl: fx.redis.url, dir: fx.dir, app, adminKey, extra });
      fx.nodes.push(node);
      return node;
    },
  };
  before(async () => {
    if (fx.skip) return;
    fx.redis = await startRedis();
    fx.dir = mkdtempSync(join(tmpdir(), `minirtc-${prefix}-`));
    if (receiver) fx.receiver = await startReceiver(receiver);
    writeFileSync(join(fx.dir, 'cluster.toml'), typeof toml === 'function' ? toml(fx) : toml);
    for (const id of ids) await fx.startNode(id);
    if (waitForNodes) {
      const auth = { authorization: `Bearer ${adminKey}` };
      for (const n of fx.nodes) {
        await waitFor(async () => (await getJson(`${n.base}/v1/admin/nodes`, auth)).body.nodes.length === ids.length,
          { timeoutMs: 10000 * SLOW, what: `${n.id} sees every node` });
      }
    }
  });
  after(async () => {
    for (const f of fx.cleanup) await f();
    for (const p of fx.phones) await p.destroy();
    for (const n of fx.nodes) {
      if (n.proc.exitCode === null) n.proc.kill('SIGCONT');
      await n.stop();
    }
    if (fx.redis) await fx.redis.stop();
    if (fx.receiver) await fx.receiver.close();
    if (fx.dir) rmSync(fx.dir, { recursive: true, force: true });
  });
  return fx;
}
