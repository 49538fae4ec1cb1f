/**
 * One at a time: `serial()` returns a runner that starts each piece of work after the one before
 * it has settled (fulfilled or not), in the order they were given.
 */
export type Serial = <T>(work: () => Promise<T>) => Promise<T>;

export function serial(): Serial {
  let chain: Promise<unknown> = Promise.resolve();
  return <T>(work: () => Promise<T>): Promise<T> => {
    const run = chain.then(work, work);
    chain = run.catch(() => undefined);
    return run;
  };
}
