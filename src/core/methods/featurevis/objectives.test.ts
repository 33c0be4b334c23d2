// The --objective expression language: what parses to which weighted terms, that describeObjective
// round-trips, and the pinned error list (message and 0-based position of the offending token).
import { describe, expect, it } from 'vitest';
import { channel, combine, describeObjective, diversity, parseObjective, totalVariation } from './objectives.ts';
import type { Objective } from './objectives.ts';
import { isConvlensError } from '../../errors.ts';

const terms = (o: Objective): [number, string, unknown][] => o.terms.map((t) => [t.weight, t.term.kind, t.term]);

describe('parseObjective', () => {
  it('reads the issue example: layer4:12 - 0.5*layer3:7', () => {
    expect(parseObjective('layer4:12 - 0.5*layer3:7')).toEqual({
      terms: [
        { weight: 1, term: { kind: 'channel', layer: 'layer4', channel: 12 } },
        { weight: -0.5, term: { kind: 'channel', layer: 'layer3', channel: 7 } },
      ],
    });
  });

  const cases: [string, [number, string, Record<string, unknown>][]][] = [
    ['2*(a:1 + b:2)/4', [[0.5, 'channel', { layer: 'a', channel: 1 }], [0.5, 'channel', { layer: 'b', channel: 2 }]]],
    ['-features.relu3:5', [[-1, 'channel', { layer: 'features.relu3', channel: 5 }]]],
    ['class(3) - 0.05*tv', [[1, 'class', { target: 3 }], [-0.05, 'tv', {}]]],
    ['prob(star) + 2 * deepdream(layer3)', [[1, 'prob', { target: 'star' }], [2, 'layer', { layer: 'layer3' }]]],
    ['neuron(features.relu3, 5, 4, 3)', [[1, 'neuron', { layer: 'features.relu3', channel: 5, position: [4, 3] }]]],
    ['neuron(layer4, 0)', [[1, 'neuron', { layer: 'layer4', channel: 0 }]]],
    ['/layer4/layer4.1/relu_1/Relu_output_0:3 / 2', [[0.5, 'channel', { layer: '/layer4/layer4.1/relu_1/Relu_output_0', channel: 3 }]]],
    ['"my-layer:0":3 + `x y`:1', [[1, 'channel', { layer: 'my-layer:0', channel: 3 }], [1, 'channel', { layer: 'x y', channel: 1 }]]],
    ['12:3 + #7:1', [[1, 'channel', { layer: '12', channel: 3 }], [1, 'channel', { layer: '#7', channel: 1 }]]],
    ['direction(layer2, [1, -2, 0.5e1])', [[1, 'direction', { layer: 'layer2', vector: [1, -2, 5] }]]],
    ['direction(layer2, v)', [[1, 'direction', { layer: 'layer2', vector: 'v' }]]],
    ['a:1 - 1e2*diversity(a)', [[1, 'channel', { layer: 'a', channel: 1 }], [-100, 'diversity', { layer: 'a' }]]],
    ['a:1 - 0.1*l1(0.25) - .2*l2 - blur', [[1, 'channel', {}], [-0.1, 'l1', { constant: 0.25 }], [-0.2, 'l2', {}], [-1, 'blur', {}]]],
    ['logit(cat)', [[1, 'class', { target: 'cat' }]]],
  ];
  for (const [expr, want] of cases) {
    it(`parses ${expr}`, () => {
      const got = terms(parseObjective(expr));
      expect(got.length).toBe(want.length);
      want.forEach(([w, kind, fields], i) => {
        expect(got[i]![0]).toBeCloseTo(w, 12);
        expect(got[i]![1]).toBe(kind);
        expect(got[i]![2]).toMatchObject(fields);
      });
    });
  }

  it('describeObjective round-trips through the parser', () => {
    const objs: Objective[] = [
      combine([1, channel('layer4', 12)], [-0.5, channel('layer3', 7)], [-0.05, totalVariation()]),
      parseObjective('neuron(features.relu3, 5, 4, 3) + 2*prob(star) - 1e2*diversity(features.relu3)'),
      combine([1, channel('/a/b.c/Relu_output_0', 1)], [3, channel('weird name', 2)], [1, diversity()]),
      parseObjective('direction(l, [1, -2, 3]) + class(1) - l1(0.3) - l2 - blur + deepdream(x)'),
    ];
    for (const o of objs) expect(parseObjective(describeObjective(o))).toEqual(o);
    expect(describeObjective(objs[0]!)).toBe('layer4:12 - 0.5*layer3:7 - 0.05*tv');
  });
});

describe('parseObjective errors (pinned messages and positions)', () => {
  const errors: [string, number, RegExp][] = [
    ['layer4:12 - 0.5*', 16, /expected a unit .* but found the end of the expression/],
    ['layer4:', 7, /expected a channel index .* but found the end/],
    ['layer4', 6, /expected ":" and a channel index after the layer name "layer4"/],
    ['layer4:12 +', 11, /expected a unit/],
    ['layer4:12 * layer3:1', 10, /a product of two objective terms is not supported/],
    ['layer4:1 / layer3:2', 9, /dividing by an objective term is not supported/],
    ['foo(1)', 0, /unknown function "foo"/],
    ['layer4:12 + 3', 12, /adding the constant 3 does not change what is maximized/],
    ['3*2', 0, /the objective is a constant/],
    ['neuron(l, 1, 2, 3, 4, 5)', 22, /neuron\(\) takes \(layer, channel\[, y, x\]\), got 6 arguments/],
    ['channel(l)', 9, /channel\(\) takes \(layer, channel\), got 1 argument/],
    ['layer4:1.5', 7, /expected a channel index \(a non-negative integer\) but found "1.5"/],
    ['layer4:12 )', 10, /unexpected "\)"/],
    ['(layer4:1', 9, /expected "\)"/],
    ['"abc', 0, /unterminated quoted name/],
    ['a:1 $ b:2', 4, /unexpected character "\$"/],
    ['   ', 0, /the objective is empty/],
    ['2layer:1', 1, /unexpected "l" after the number 2/],
    ['12:3 + #-1:0', 8, /expected ":" and a channel index after the layer name "#"/],
    ['direction(l, 3)', 13, /direction\(\): expected a \[vector\]/],
    ['a:1 / 0', 6, /division by zero/],
    ['prob([1])', 5, /expected a class index or label/],
  ];
  for (const [expr, pos, msg] of errors) {
    it(`${JSON.stringify(expr)} → position ${pos}`, () => {
      let err: unknown;
      try { parseObjective(expr); } catch (e) { err = e; }
      expect(isConvlensError(err)).toBe(true);
      const e = err as { code: string; message: string; details: { position: number } };
      expect(e.code).toBe('E_OBJECTIVE_SYNTAX');
      expect(e.message).toMatch(msg);
      expect(e.details.position).toBe(pos);
      // the caret line points at the position
      const lines = e.message.split('\n');
      expect(lines[2]!.indexOf('^') - 2).toBe(pos);
    });
  }
});
