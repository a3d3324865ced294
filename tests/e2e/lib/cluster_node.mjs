// One node of a test cluster: the real binary with a shared cluster config file, a real Redis,
// its node id as path prefix (as behind one domain, docs/cluster.md) and an admin key.
import { join } from 'node:path';
import { startServer } from './server.mjs';

/**
 * @param {{id: string, redisUrl: string, dir: string, app: string, adminKey: string, extra?: string[], logLevel?: string}} o
 *   dir holds cluster.toml; app is "APPID:APPKEY" (null: the apps come from cluster.toml); logLevel as
 *   startServer's (the benchmarks use warn)
 * @returns the server of startServer, plus {id, base} (base: its HTTP URL with the prefix)
 */
export async function startClusterNode({ id, redisUrl, dir, app, adminKey, extra = [], logLevel }) {
  const node = await startServer({
    apps: app ? [app] : [],
    logLevel,
    extraArgs: ['--config', join(dir, 'cluster.toml'), '--redis', redisUrl, '--node-id', id,
      '--path-prefix', `/${id}`, '--admin-key', adminKey, ...extra],
  });
  return Object.assign(node, { id, base: `${node.httpUrl}/${id}` });
}
