/**
 * Ctrl-C / SIGTERM abort the work in progress; the command then cleans up and exits. A second signal while
 * cleaning up is ignored for a while, so a nervous double Ctrl-C does not leave half a stack behind.
 */
export function abortOnSignals(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (!controller.signal.aborted) process.stderr.write(`\nepj-chaos: ${sig} — stopping and cleaning up…\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
