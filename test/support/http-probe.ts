/** One GET with a deadline: what a clinician's client sees of a link (status, or how it failed, and how long). */
export async function probe(url: string, timeoutMs = 1500): Promise<{ outcome: string; ms: number }> {
  const t0 = performance.now();
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return { outcome: String(res.status), ms: performance.now() - t0 };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const outcome = e.name === 'TimeoutError' ? 'timeout' : (e.cause?.code ?? e.name);
    return { outcome, ms: performance.now() - t0 };
  }
}
