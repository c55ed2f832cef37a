/**
 * GPU devices: parsed from `nvidia-smi` when it is installed, else from `--gpu name:memoryMB`.
 * @module
 */
import type { GpuDevice } from "./coordinator_config.ts";

/** The query {@linkcode detectGpus} runs. */
export const NVIDIA_SMI_ARGS: readonly string[] = [
  "--query-gpu=index,name,memory.total",
  "--format=csv,noheader,nounits",
];

/**
 * Parses `nvidia-smi --query-gpu=index,name,memory.total --format=csv,noheader,nounits`
 * (`0, NVIDIA GeForce RTX 3090, 24576` per line). Devices are named by index ("0", "1", …).
 */
export function parseNvidiaSmi(text: string): GpuDevice[] {
  const devices: GpuDevice[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === "") continue;
    const parts = line.split(",").map((p) => p.trim());
    if (parts.length < 3) throw new SyntaxError(`Cannot parse nvidia-smi line: "${line}"`);
    const index = parts[0];
    const memory = parts[parts.length - 1].replace(/\s*MiB$/i, "");
    if (!/^\d+$/.test(index) || !/^\d+$/.test(memory)) {
      throw new SyntaxError(`Cannot parse nvidia-smi line: "${line}"`);
    }
    devices.push({ name: index, memoryMb: Number(memory) });
  }
  return devices;
}

/** Parses one `--gpu` value: `name:memoryMB`, several separated by commas. */
export function parseGpuFlag(value: string): GpuDevice[] {
  return value.split(",").filter((s) => s.trim() !== "").map((item) => {
    const m = /^([A-Za-z0-9_.-]{1,64}):(\d{1,9})$/.exec(item.trim());
    if (!m || Number(m[2]) < 1) {
      throw new SyntaxError(`a GPU is name:memoryMB such as 0:24576: got "${item.trim()}"`);
    }
    return { name: m[1], memoryMb: Number(m[2]) };
  });
}

/** Devices reported by `nvidia-smi`, or none when it is absent or fails. */
export async function detectGpus(command = "nvidia-smi"): Promise<GpuDevice[]> {
  try {
    const out = await new Deno.Command(command, {
      args: [...NVIDIA_SMI_ARGS],
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).output();
    if (!out.success) return [];
    return parseNvidiaSmi(new TextDecoder().decode(out.stdout));
  } catch {
    return []; // not installed (NotFound) or not permitted: no GPUs detected
  }
}
