// The MNIST section's "Copy link": the fields that differ from the defaults and the spec (unless it
// is the default) go into the query, and the page reads them back the same; an oversized or
// unreadable spec is refused, never cut short.
import { describe, expect, it } from 'vitest';
import { DEFAULT_SPEC_TEXT, initialForm, LINK_MODEL_CHARS, mnistQuery, specToText } from '../src/mnist/form';

const defaults = () => initialForm(new URLSearchParams());

describe('mnistQuery', () => {
  it('the defaults make a bare link', () => {
    const r = mnistQuery(defaults(), DEFAULT_SPEC_TEXT);
    expect('query' in r && r.query.toString()).toBe('section=mnist');
  });

  it('changed fields and a spec come back through initialForm as typed', () => {
    const form = { ...defaults(), epochs: '3', trainLimit: '512', schedule: 'StepLR', gamma: '0.5' };
    const mlp = [{ type: 'Flatten' }, { type: 'Linear', in_features: 784, out_features: 10 }, { type: 'LogSoftmax', dim: 1 }];
    const r = mnistQuery(form, specToText(mlp));
    if (!('query' in r)) throw new Error(r.error);
    expect(r.query.get('epochs')).toBe('3');
    expect(r.query.get('gamma')).toBe('0.5');
    expect(r.query.has('lr')).toBe(false);
    expect(JSON.parse(r.query.get('model')!)).toEqual(mlp);
    expect(initialForm(new URLSearchParams(r.query.toString()))).toEqual(form);
  });

  it('refuses a spec longer than a link carries, naming both lengths', () => {
    const big = Array.from({ length: 200 }, () => ({ type: 'ReLU', note: 'x'.repeat(20) }));
    const r = mnistQuery(defaults(), JSON.stringify(big));
    const n = JSON.stringify(big).length;
    expect(r).toEqual({
      error: `No link: the model spec is ${n.toLocaleString('en-US')} characters as compact JSON, more than the ${LINK_MODEL_CHARS.toLocaleString('en-US')} a link carries. Export the weights instead: the spec travels in their metadata.`,
    });
  });

  it('refuses a spec that is not JSON', () => {
    const r = mnistQuery(defaults(), '[{"type": ');
    expect('error' in r && r.error).toMatch(/^No link: the model spec cannot be read \(/);
  });
});
