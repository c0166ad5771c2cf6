// Numbers as the charts print them: exponents for very small and very large values (1e-14, not
// 0.000000000000010), four significant digits otherwise.
import { describe, expect, it } from 'vitest';
import { tickLabel, tickLabels } from '../src/ui/format';

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
