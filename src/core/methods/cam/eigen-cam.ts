/**
 * Eigen-CAM — Muhammad & Yeasin, "Eigen-CAM: Class Activation Map using Principal Components", IJCNN
 * 2020: the projection of the target layer's activations on their first principal component
 * (first right singular vector of the positions × channels matrix, channels centred as
 * pytorch-grad-cam's `get_2d_projection` does). Class-agnostic and gradient-free. The sign of a
 * singular vector is arbitrary; it is fixed as pytorch-grad-cam's sign-corrected projection does
 * (flip when |min| > |max|, Seg-Eigen-CAM Eq. 13), so the dominant response is positive on every
 * platform.
 */
import { defineCamMethod } from './base-cam.ts';
import { firstComponentProjection } from './linalg.ts';

export const eigenCam = defineCamMethod({
  id: 'eigencam',
  title: 'Eigen-CAM',
  citation: 'Muhammad & Yeasin, "Eigen-CAM: Class Activation Map using Principal Components", IJCNN 2020',
  defaults: {},
  gradients: false,
  map({ n, c, s, activations }) {
    const out = new Float64Array(n * s);
    for (let b = 0; b < n; b++) out.set(firstComponentProjection(activations.subarray(b * c * s, (b + 1) * c * s), c, s), b * s);
    return out;
  },
});
