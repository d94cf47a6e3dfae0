// Whether a process of this machine still runs, for files that name their owner's pid (the data
// folder's lock, a results join's working folder). EPERM: it runs, as another user.

export function isProcessRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
