// Fault tests (`npm run test:faults`): simulated traffic through the local runtime, run in a child process
// that is killed and restarted, while proxies inject AWS faults; see test/faults/faults.test.ts. Kept out of
// `npm test` (a few minutes on 2 cores); CI runs it after `npm test`.
const { transform, transformIgnorePatterns } = require('./jest.swc');

/** @type {import('jest').Config} */
module.exports = {
  displayName: 'faults',
  testEnvironment: 'node',
  transform,
  transformIgnorePatterns,
  testMatch: ['<rootDir>/test/faults/**/*.test.ts'],
  // An upper bound per scenario, not a pace: every scenario waits on conditions (drained stream, flushed lake).
  testTimeout: 300000,
};
