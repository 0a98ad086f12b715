// Jest setup: drop the `::debug::` workflow commands that @actions/core prints
// for the runner (for instance @actions/glob's settings, dozens per run) when a
// test calls the code in process. On a runner they are hidden unless step debug
// logging is on; in a test log they bury what a reader needs. Everything else
// passes through, and a test that checks stdout captures it itself.
const write = process.stdout.write.bind(process.stdout) as (...args: unknown[]) => boolean

process.stdout.write = ((chunk: unknown, ...rest: unknown[]): boolean => {
  if (typeof chunk === 'string' && chunk.startsWith('::debug::')) {
    const kept = chunk
      .split(/(?<=\n)/)
      .filter((line) => !line.startsWith('::debug::'))
      .join('')
    if (kept === '') {
      const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined
      callback?.()
      return true
    }
    return write(kept, ...rest)
  }
  return write(chunk, ...rest)
}) as typeof process.stdout.write
