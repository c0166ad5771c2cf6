// Engine boundaries (issue 12 §4) that a source scan can check.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..');
const files = (dir: string, ext: string): string[] =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p, ext) : p.endsWith(ext) ? [p] : [];
  });

describe('engine boundaries', () => {
  it('runtime code does not import the float64 references (tests and the toy CPU path may)', () => {
    // The preview times the reference augmentation on purpose: it is what a CPU data loader would run.
    const pending = ['src/mnist/backend.ts'];
    const offenders = files(join(root, 'src'), '.ts')
      .map((p) => relative(root, p))
      .filter((p) => !p.startsWith('src/engine/reference/') && !p.startsWith('src/toy/') && !pending.includes(p))
      .filter((p) => /from '[^']*reference\//.test(readFileSync(join(root, p), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('shared sentinels are named constants of common.wgsl', () => {
    const offenders = files(join(root, 'shaders'), '.wgsl')
      .map((p) => relative(root, p))
      .filter((p) => !p.startsWith('shaders/dev/') && !['shaders/common.wgsl'].includes(p))
      .flatMap((p) =>
        readFileSync(join(root, p), 'utf8')
          .split('\n')
          .filter((line) => /0xffffffffu|3\.40282/.test(line) && !line.includes('status[0] != 0xffffffffu'))
          .map((line) => `${p}: ${line.trim()}`),
      );
    expect(offenders).toEqual([]);
  });
});
