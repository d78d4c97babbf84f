import { describe, expect, it } from 'vitest';
import { checkSpec, SpecValidationError, validateSpec } from '../../pipeline/render/validate.ts';

const unit = {
  data: { values: [{ a: 1, b: 'x' }] },
  mark: 'point',
  encoding: { x: { field: 'a', type: 'quantitative' }, y: { field: 'b', type: 'nominal' } },
};

describe('validation against the vega-lite schema', () => {
  it('accepts a valid spec', () => {
    expect(checkSpec(unit)).toEqual([]);
    expect(() => validateSpec(unit)).not.toThrow();
  });

  it('rejects a mark type that does not exist, naming the path and the allowed values', () => {
    const spec = { layer: [{ ...unit }, { ...unit, mark: 'lines' }] };
    const issues = checkSpec(spec);
    expect(issues).toHaveLength(1);
    expect(issues[0].path).toBe('/layer/1/mark');
    expect(issues[0].message).toMatch(/must be one of .*"line"/);
    expect(() => validateSpec(spec)).toThrow(SpecValidationError);
    expect(() => validateSpec(spec)).toThrow(/\/layer\/1\/mark/);
  });

  it('rejects a wrong encoding type', () => {
    const spec = { ...unit, encoding: { ...unit.encoding, x: { field: 'a', type: 'numeric' } } };
    const issues = checkSpec(spec);
    expect(issues.map((i) => i.path)).toEqual(['/encoding/x/type']);
    expect(issues[0].message).toContain('"quantitative"');
  });

  it('names a misspelt property without the noise of the other branches of the union', () => {
    expect(checkSpec({ ...unit, colour: 'red' })).toEqual([{ path: '', message: "unknown property 'colour'" }]);
    const typo = { ...unit, encoding: { x: { feild: 'a', type: 'quantitative' } } };
    expect(checkSpec(typo)).toEqual([{ path: '/encoding/x', message: "unknown property 'feild'" }]);
    expect(checkSpec({ ...unit, width: 'wide' })[0].path).toBe('/width');
  });

  it('reports the validation errors in the thrown message', () => {
    try {
      validateSpec({ ...unit, mark: 'dots' }, 'fig-99');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SpecValidationError);
      const err = e as SpecValidationError;
      expect(err.message).toMatch(/^fig-99 is not a valid Vega-Lite spec:\n {2}\/mark: must be one of/);
      expect(err.issues[0].path).toBe('/mark');
    }
  });
});
