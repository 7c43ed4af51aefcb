import { httpLoad } from './lib/measure.js';
import { emptyDatabase, startHello, startParley } from './lib/env.js';
import { ratio, type Scenario } from './lib/scenario.js';

/** What Parley's HTTP stack (auth hook, security headers, schemas, logging) costs over a bare server. */
export const scenario: Scenario = {
  name: 'http-baseline',
  description: 'GET /healthz on Parley beside hello-world node:http and Fastify, 50 connections',
  needsData: false,
  async run({ duration, serverUrl }) {
    const connections = 50;
    const results = [];
    for (const kind of ['node', 'fastify'] as const) {
      const server = await startHello(kind);
      try {
        results.push({
          kind,
          stats: await httpLoad({ url: `${server.url}/healthz`, connections, duration }),
        });
      } finally {
        await server.stop();
      }
    }
    const parley = await startParley(await emptyDatabase(serverUrl, 'parley_bench_http'));
    const stats = await httpLoad({ url: `${parley.url}/healthz`, connections, duration }).finally(
      () => parley.stop(),
    );
    const [node, fastify] = results;
    if (!node || !fastify) throw new Error('baselines missing');
    return {
      figures: [
        {
          name: 'node:http hello',
          unit: 'ops/s',
          value: node.stats.throughput,
          baseline: null,
          ratio: null,
          target: null,
          stats: node.stats,
        },
        {
          name: 'Fastify hello',
          unit: 'ops/s',
          value: fastify.stats.throughput,
          baseline: { name: 'node:http', value: node.stats.throughput },
          ratio: ratio(fastify.stats.throughput, node.stats.throughput),
          target: null,
          stats: fastify.stats,
        },
        {
          name: 'Parley GET /healthz',
          unit: 'ops/s',
          value: stats.throughput,
          baseline: { name: 'Fastify hello', value: fastify.stats.throughput },
          ratio: ratio(stats.throughput, fastify.stats.throughput),
          target: {
            text: '≥ 50% of Fastify hello',
            met: stats.throughput >= 0.5 * fastify.stats.throughput,
          },
          stats,
        },
      ],
      notes: [
        `${connections} connections, autocannon in the bench process, each server in its own process`,
      ],
    };
  },
};
