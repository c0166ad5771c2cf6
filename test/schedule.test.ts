import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeSchedule, type Schedule } from '../src/train/schedule';
import { worst } from './gpu';

const fx = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'schedules.json'), 'utf8'));

describe('lr schedules match PyTorch (fixtures/schedules.json)', () => {
  for (const c of fx.cases as {
    schedule: Schedule;
    lr: number;
    momentum: number;
    epochs: number;
    stepsPerEpoch: number;
    expected: { lr: number[]; momentum: number[] };
  }[])
    it(JSON.stringify(c.schedule), () => {
      const at = makeSchedule(c.schedule, c);
      const got = c.expected.lr.map((_, k) => at(k));
      expect(
        worst(
          got.map((g) => g.lr),
          c.expected.lr,
          1e-12,
          1e-9,
        ),
      ).toBeLessThanOrEqual(1);
      expect(
        worst(
          got.map((g) => g.momentum),
          c.expected.momentum,
          1e-12,
          1e-9,
        ),
      ).toBeLessThanOrEqual(1);
    });
});
