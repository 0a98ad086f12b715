// ESM recipe: @actions/core 3 is ESM-only, so tests run as native ES modules
// (NODE_OPTIONS=--experimental-vm-modules is set by `npm test`, which also silences
// Node's warning that VM modules are experimental: it adds nothing to a test log). ts-jest takes
// isolatedModules from tsconfig.json, so each file is transpiled on its own (fast).
/** @type {import('jest').Config} */
export default {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1'
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true }]
  },
  // The runner's ::debug:: commands from in-process calls are noise here (see the file).
  setupFiles: ['<rootDir>/__tests__/helpers/quiet-debug.ts'],
  // A hang guard, not a speed claim: on a busy 2-core machine a test that spawns the
  // bundle a few times takes several times longer than on an idle one.
  testTimeout: 120_000,
  // Integration tests spawn the bundle; two cores, so keep workers modest.
  maxWorkers: 2
}
