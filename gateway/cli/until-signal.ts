// Waits for work to finish or for Ctrl-C (SIGINT) or SIGTERM, whichever comes first; a second
// signal while stopping exits at once.
export async function untilSignal(work: Promise<unknown>): Promise<void> {
  let onSignal!: () => void;
  const signalled = new Promise<void>((resolve) => {
    let count = 0;
    onSignal = () => {
      if (++count > 1) process.exit(1);
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  await Promise.race([work, signalled]);
  // The handlers stay until the process ends, so a second Ctrl-C during the stop still works.
}
