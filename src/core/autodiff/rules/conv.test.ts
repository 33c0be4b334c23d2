// Gradient checks of the Conv rule (RELIABILITY.md protocol via test/gradcheck), and which op carries
// the input gradient (stride 1: Conv with the flipped kernel; otherwise ConvTranspose).
import { describe, expect, it } from 'vitest';
import { makeNode, makeTensor, makeValueInfo } from '../../onnx/build.ts';
import { DataType } from '../../onnx/proto-types.ts';
import type { ModelProto } from '../../onnx/proto-types.ts';
import { compileBackward } from '../compiler.ts';
import { gradCases } from '../../../../test/gradcheck/index.ts';
import type { GradCase } from '../../../../test/gradcheck/index.ts';

const x = (shape: number[]) => ({ name: 'x', shape, kind: 'data' as const });
const w = (shape: number[]) => ({ name: 'w', shape, kind: 'const' as const });
const b = (n: number) => ({ name: 'b', shape: [n], kind: 'const' as const });

const cases: GradCase[] = [
  { name: '2-D 3x3 pad 1, batch 2, bias', op: 'Conv', opset: 13, attrs: { pads: [1, 1, 1, 1] }, inputs: [x([2, 3, 5, 5]), w([4, 3, 3, 3]), b(4)], wrt: ['x', 'w', 'b'] },
  { name: '2-D stride 2 with remainder, asymmetric pads', op: 'Conv', opset: 11, attrs: { strides: [2, 3], pads: [0, 2, 1, 0] }, inputs: [x([1, 2, 6, 7]), w([3, 2, 3, 2])], wrt: ['x', 'w'] },
  { name: '2-D dilation 2 stride 2', op: 'Conv', opset: 13, attrs: { strides: [2, 2], dilations: [2, 2], pads: [1, 2, 2, 1] }, inputs: [x([2, 2, 7, 8]), w([2, 2, 2, 3])], wrt: ['x', 'w'] },
  { name: '2-D groups 2', op: 'Conv', opset: 13, attrs: { group: 2, pads: [1, 0, 1, 0] }, inputs: [x([2, 4, 4, 5]), w([6, 2, 3, 3]), b(6)], wrt: ['x', 'w', 'b'] },
  { name: '2-D depthwise stride 2 (MobileNet)', op: 'Conv', opset: 13, attrs: { group: 3, strides: [2, 2], pads: [1, 1, 1, 1] }, inputs: [x([2, 3, 7, 6]), w([3, 1, 3, 3])], wrt: ['x', 'w'] },
  { name: '2-D depthwise multiplier 2', op: 'Conv', opset: 13, attrs: { group: 2 }, inputs: [x([1, 2, 4, 4]), w([4, 1, 2, 2])], wrt: ['x', 'w'] },
  { name: '2-D auto_pad SAME_UPPER stride 2', op: 'Conv', opset: 13, attrs: { auto_pad: 'SAME_UPPER', strides: [2, 2] }, inputs: [x([1, 2, 6, 5]), w([2, 2, 4, 3])], wrt: ['x', 'w'] },
  { name: '2-D auto_pad SAME_LOWER stride 2', op: 'Conv', opset: 13, attrs: { auto_pad: 'SAME_LOWER', strides: [2, 2] }, inputs: [x([1, 2, 6, 5]), w([2, 2, 4, 3])], wrt: ['x', 'w'] },
  { name: '2-D auto_pad VALID stride 3', op: 'Conv', opset: 9, attrs: { auto_pad: 'VALID', strides: [3, 3] }, inputs: [x([1, 1, 8, 7]), w([2, 1, 2, 2])], wrt: ['x', 'w'] },
  { name: '1-D stride 2 pads', op: 'Conv', opset: 13, attrs: { strides: [2], pads: [2, 1] }, inputs: [x([2, 3, 9]), w([2, 3, 3]), b(2)], wrt: ['x', 'w', 'b'] },
  { name: '3-D stride 2', op: 'Conv', opset: 13, attrs: { strides: [2, 1, 2], pads: [1, 0, 0, 0, 1, 1] }, inputs: [x([1, 2, 4, 3, 5]), w([2, 2, 2, 2, 3])], wrt: ['x', 'w'] },
  { name: '1x1 conv on size-1 spatial dims', op: 'Conv', opset: 13, inputs: [x([3, 4, 1, 1]), w([2, 4, 1, 1]), b(2)], wrt: ['x', 'w', 'b'] },
  { name: 'stem 7x7 stride 2 pad 3 (larger, directional)', op: 'Conv', opset: 13, attrs: { strides: [2, 2], pads: [3, 3, 3, 3] }, inputs: [x([1, 3, 16, 16]), w([4, 3, 7, 7])], wrt: ['x', 'w'] },
  // Stride 1: the input gradient is a Conv with the flipped, in/out-swapped kernel (conv-util.ts).
  { name: 'stride 1: asymmetric pads, non-square kernel', op: 'Conv', opset: 13, attrs: { pads: [0, 2, 1, 0] }, inputs: [x([2, 3, 5, 6]), w([4, 3, 2, 3])], wrt: ['x', 'w'] },
  { name: 'stride 1: dilation 2, pads 2', op: 'Conv', opset: 13, attrs: { dilations: [2, 2], pads: [2, 1, 2, 3] }, inputs: [x([1, 2, 7, 6]), w([3, 2, 3, 3]), b(3)], wrt: ['x', 'w', 'b'] },
  { name: 'stride 1: depthwise 3x3 pad 1 (MobileNet)', op: 'Conv', opset: 13, attrs: { group: 4, pads: [1, 1, 1, 1] }, inputs: [x([2, 4, 5, 5]), w([4, 1, 3, 3])], wrt: ['x', 'w'] },
  { name: 'stride 1: groups 2 with one output per group (Mg = 1)', op: 'Conv', opset: 13, attrs: { group: 2, pads: [1, 1, 0, 0] }, inputs: [x([1, 6, 4, 4]), w([2, 3, 2, 3])], wrt: ['x', 'w'] },
  { name: 'stride 1: groups 3, Mg = 2, Cg = 2, dilation [1, 2]', op: 'Conv', opset: 13, attrs: { group: 3, dilations: [1, 2], pads: [1, 2, 1, 2] }, inputs: [x([1, 6, 5, 6]), w([6, 2, 3, 3])], wrt: ['x', 'w'] },
  { name: 'stride 1: auto_pad SAME_UPPER, even kernel', op: 'Conv', opset: 13, attrs: { auto_pad: 'SAME_UPPER' }, inputs: [x([1, 2, 5, 4]), w([3, 2, 4, 2])], wrt: ['x', 'w'] },
  { name: 'stride 1: auto_pad SAME_LOWER, even kernel', op: 'Conv', opset: 13, attrs: { auto_pad: 'SAME_LOWER' }, inputs: [x([1, 2, 5, 4]), w([3, 2, 4, 2])], wrt: ['x', 'w'] },
  { name: 'stride 1: 1-D, opset 9', op: 'Conv', opset: 9, attrs: { pads: [1, 2] }, inputs: [x([2, 3, 7]), w([2, 3, 3])], wrt: ['x', 'w'] },
  { name: 'stride 1: 3-D', op: 'Conv', opset: 13, attrs: { pads: [1, 0, 1, 0, 1, 1] }, inputs: [x([1, 2, 3, 4, 4]), w([2, 2, 2, 3, 2])], wrt: ['x', 'w'] },
  { name: 'stride 1: pad beyond the kernel reach (ConvTranspose fallback)', op: 'Conv', opset: 13, attrs: { pads: [3, 0, 0, 4] }, inputs: [x([1, 2, 4, 4]), w([2, 2, 2, 2])], wrt: ['x', 'w'] },
  { name: 'stride 1: weight fed at run time', op: 'Conv', opset: 13, attrs: { group: 2, pads: [1, 1, 1, 1] }, inputs: [x([2, 4, 4, 5]), { name: 'w', shape: [6, 2, 3, 3], kind: 'data' }], wrt: ['x', 'w'] },
];

gradCases('Conv backward', cases);

describe('Conv input gradient form', () => {
  const model = (attrs: Record<string, number[] | number>, wShape: number[]): ModelProto => ({
    irVersion: 8, opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'conv', node: [makeNode('Conv', ['x', 'w'], ['y'], attrs)], initializer: [makeTensor('w', wShape, new Array(wShape.reduce((a, c) => a * c, 1)).fill(0.5), 'float32')],
      input: [makeValueInfo('x', DataType.FLOAT, [1, 4, 8, 8])], output: [makeValueInfo('y', DataType.FLOAT)],
    },
  });
  const ops = (attrs: Record<string, number[] | number>, wShape: number[], yShape: number[]): string[] => {
    const c = compileBackward(model(attrs, wShape), { shapes: { x: [1, 4, 8, 8], w: wShape, y: yShape }, seeds: ['y'], wrt: ['x'] });
    return c.model.graph!.node!.filter((n) => n.name?.startsWith('grad/')).map((n) => n.opType!);
  };
  it('stride 1 (dense and depthwise): a Conv with the flipped kernel, no ConvTranspose', () => {
    const forms: [Record<string, number[] | number>, number[]][] = [[{ pads: [1, 1, 1, 1] }, [6, 4, 3, 3]], [{ group: 4, pads: [1, 1, 1, 1] }, [4, 1, 3, 3]]];
    for (const [attrs, wShape] of forms) {
      const o = ops(attrs, wShape, [1, wShape[0]!, 8, 8]);
      expect(o).toContain('Conv');
      expect(o).toContain('Gather');
      expect(o).not.toContain('ConvTranspose');
    }
  });
  it('stride 2: ConvTranspose', () => {
    expect(ops({ strides: [2, 2], pads: [1, 1, 1, 1] }, [6, 4, 3, 3], [1, 6, 4, 4])).toContain('ConvTranspose');
  });
});
