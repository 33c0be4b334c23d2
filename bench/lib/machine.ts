/**
 * What machine a benchmark ran on (cores, CPU model, memory, Node, ONNX Runtime) — printed at the top
 * of every bench so numbers are never quoted without it — and which Python, if any, can run the
 * PyTorch peers the benches compare against.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';

/** Facts about the machine and runtimes. */
export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memGiB: number;
  node: string;
  ort: string;
  platform: string;
  loadavg1m: number;
}

export function machineInfo(): MachineInfo {
  const require = createRequire(import.meta.url);
  let ort = 'not installed';
  try {
    ort = (require('onnxruntime-node/package.json') as { version: string }).version;
  } catch {
    /* reported as not installed */
  }
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    memGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    ort,
    platform: `${process.platform}-${process.arch}`,
    loadavg1m: Math.round(loadavg()[0]! * 100) / 100,
  };
}

export function formatMachine(m: MachineInfo): string {
  return `machine: ${m.cores} cores (${m.cpuModel}), ${m.memGiB} GiB, ${m.platform}; node ${m.node}; onnxruntime-node ${m.ort}; load avg (1 min) ${m.loadavg1m}`;
}

/**
 * The python that has torch and torchvision ($CONVLENS_BENCH_PYTHON, default /usr/bin/python3), or
 * undefined (with the reason) when there is none.
 */
export function findTorchPython(): { python?: string; why?: string } {
  const python = process.env.CONVLENS_BENCH_PYTHON ?? '/usr/bin/python3';
  if (!existsSync(python)) return { why: `${python} not found` };
  const r = spawnSync(python, ['-c', 'import torch, torchvision'], { encoding: 'utf8' });
  if (r.status !== 0) return { why: `${python} has no torch/torchvision` };
  return { python };
}
