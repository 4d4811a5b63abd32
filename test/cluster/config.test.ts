/** Cluster mode's configuration: off without REDIS_URL, its settings with it, and bad values named at start. */
import { expect, it } from 'vitest';
import { configFrom } from '../../src/config.js';
import { redisSecrets } from '../../src/cluster/redis.js';

it('is off without REDIS_URL, exactly as a single server', () => {
  expect(configFrom({}).cluster).toBeUndefined();
  expect(configFrom({ REDIS_URL: '' }).cluster).toBeUndefined();
});

it('reads REDIS_URL, REDIS_PREFIX and JOB_LOCK_DURATION', () => {
  expect(configFrom({ REDIS_URL: 'redis://127.0.0.1:6379/2' }).cluster).toEqual({
    redisUrl: 'redis://127.0.0.1:6379/2',
    prefix: 'bic',
    lockMs: 30_000,
  });
  expect(
    configFrom({ REDIS_URL: 'rediss://cache.example:6380', REDIS_PREFIX: 'prod-1', JOB_LOCK_DURATION: '5s' }).cluster,
  ).toEqual({
    redisUrl: 'rediss://cache.example:6380',
    prefix: 'prod-1',
    lockMs: 5_000,
  });
});

it.each([
  [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL'],
  [{ REDIS_URL: 'http://127.0.0.1:6379' }, 'REDIS_URL'],
  [{ REDIS_URL: 'redis://127.0.0.1', REDIS_PREFIX: 'a b' }, 'REDIS_PREFIX'],
  [{ REDIS_URL: 'redis://127.0.0.1', JOB_LOCK_DURATION: 'soon' }, 'JOB_LOCK_DURATION'],
])('refuses %o, naming %s', (env, name) => {
  expect(() => configFrom(env)).toThrow(name);
});

it('knows the password of a Redis URL, so the logs can leave it out', () => {
  expect(redisSecrets('redis://:s3cr%40t@127.0.0.1:6379')).toEqual(['s3cr%40t', 's3cr@t']);
  expect(redisSecrets('redis://127.0.0.1:6379')).toEqual([]);
});
