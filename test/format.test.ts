// Numbers as the charts print them: exponents for very small and very large values (1e-14, not
// 0.000000000000010), four significant digits otherwise.
import { describe, expect, it } from 'vitest';
import { float32Text, tickLabel, tickLabels } from '../src/ui/format';

describe('chart tick labels', () => {
  const cases: [number, string][] = [
    [1e-14, '1e-14'],
    [0.00000000000001, '1e-14'],
    [2.5e-7, '2.5e-7'],
    [0, '0'],
    [0.001, '0.001'],
    [0.25, '0.25'],
    [1.5, '1.5'],
    [99.56, '99.56'],
    [12345.678, '12350'],
    [123456.7, '1.23e5'],
    [1e6, '1e6'],
    [-3e-9, '-3e-9'],
  ];
  for (const [v, want] of cases) it(`${v} → ${want}`, () => expect(tickLabel(v)).toBe(want));
});

describe('tick labels that tell the ticks apart', () => {
  it('adds digits until no two ticks read the same (a loss axis after one epoch)', () => {
    expect(tickLabels([2.3045, 2.3042, 2.3039])).toEqual(['2.3045', '2.3042', '2.3039']);
    expect(tickLabels([2.30452, 2.30451])).toEqual(['2.30452', '2.30451']);
  });
  it('keeps four digits when they already differ, and exponents for tiny steps', () => {
    expect(tickLabels([0, 0.5, 1])).toEqual(['0', '0.5', '1']);
    expect(tickLabels([1.0001e-7, 1.0002e-7])).toEqual(['1.0001e-7', '1.0002e-7']);
  });
});

describe('float32 values as text', () => {
  it('writes the shortest form that reads back to the same float32', () => {
    expect(String(Math.fround(0.15))).toBe('0.15000000596046448');
    expect(float32Text(Math.fround(0.15))).toBe('0.15');
    expect(float32Text(Math.fround(0.2983711087600027))).toBe('0.2983711');
    expect(float32Text(Math.fround(1e-30))).toBe('1e-30');
    expect(float32Text(0)).toBe('0');
    expect(float32Text(-Math.fround(2.5))).toBe('-2.5');
  });
  it('every float32 it writes parses back to itself (random bit patterns)', () => {
    const u = new Uint32Array(1);
    const f = new Float32Array(u.buffer);
    let seed = 12345;
    for (let i = 0; i < 20000; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      u[0] = seed;
      if (!Number.isFinite(f[0])) continue;
      const t = float32Text(f[0]);
      expect(Math.fround(Number(t))).toBe(f[0]);
      // Significant digits: float32 never needs more than 9.
      expect(Number(t).toExponential().split('e')[0].replace(/[-.]/g, '').length).toBeLessThanOrEqual(9);
    }
  });
  it('a float64 that float32 cannot hold keeps its full precision', () => {
    expect(float32Text(0.1)).toBe('0.1');
    expect(float32Text(0.123456789012345)).toBe('0.123456789012345');
    expect(float32Text(NaN)).toBe('NaN');
  });
});
