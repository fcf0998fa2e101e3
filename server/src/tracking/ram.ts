// RAM power model: resident memory × a per-GB constant. 0.375 W/GB is CodeCarbon v2's figure
// (3 W per 8 GB); Green Algorithms uses 0.3725 W/GB (reference/trackers.md §3.8, §5).
export const RAM_W_PER_GB = 0.375;
export const RAM_METHOD = `estimated: resident memory × ${RAM_W_PER_GB} W/GB`;

export function ramPowerW(bytes: number): number {
  return (bytes / 1024 ** 3) * RAM_W_PER_GB;
}
