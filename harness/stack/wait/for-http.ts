/** GET `url` answers `status` within a second. */
export async function httpAnswers(url: string, status: number): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
  await res.body?.cancel();
  if (res.status !== status) throw new Error(`GET ${url} answered ${res.status}`);
  return true;
}
