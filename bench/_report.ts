// How every benchmark reports: each figure beside a baseline measured in the same run, as a ratio.
// Lines go to stdout as `BENCH {json}` so bench/run.ts can collect them; speed is never asserted anywhere.
export interface Figure {
  name: string
  value: number
  baseline: number
  unit: string
  /** What the baseline is, in words. */
  against: string
  /** How to read the ratio, e.g. "lower is better". */
  note?: string
}

export function report(figure: Figure): void {
  console.log(`BENCH ${JSON.stringify({ ...figure, ratio: figure.baseline === 0 ? null : figure.value / figure.baseline })}`)
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = process.hrtime.bigint()
  const value = await fn()
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, value }
}

export function mib(bytes: number): number {
  return Math.round((bytes / 1024 / 1024) * 10) / 10
}
