// Running the Node entry points (dist-node/, built by `npm run build:node`) from the e2e tests.
import { expect } from '@playwright/test';
import { spawnSync } from 'node:child_process';

/** Run dist-node/<script>.js; stderr without Dawn's start-up warnings. */
export function cli(script: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync('node', [`dist-node/${script}.js`, ...args], { encoding: 'utf8', timeout: 240_000, env: { ...process.env, ...env } });
  return {
    status: r.status,
    out: r.stdout,
    err: r.stderr
      .split('\n')
      .filter((l) => l && !l.startsWith('Warning'))
      .join('\n'),
  };
}

/** Each case is refused with exit status 2 and its reason, before a GPU adapter is opened. */
export function expectRefused(script: string, cases: (readonly [readonly string[], string])[]) {
  for (const [args, reason] of cases) {
    const r = cli(script, [...args]);
    expect(r.status, args.join(' ')).toBe(2);
    expect(r.err, args.join(' ')).toContain(reason);
    expect(r.out, args.join(' ')).not.toContain('adapter:');
  }
}
