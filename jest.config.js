// SWC, transpile only (see jest.swc.js).
const { availableParallelism } = require('node:os');
const { transform, transformIgnorePatterns } = require('./jest.swc');

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
    },
  ],
  // Integration tests start emulators; give them room on a 2-core box (a global option: jest ignores it per project).
  testTimeout: 120000,
  // Jest's default is one worker fewer than the cores: a single worker on CI's 2 cores. Most integration
  // suites spend their time waiting on emulators and stream readers, so two workers share 2 cores well:
  // 606 s against 830 s for the whole suite on this machine (2026-12-04). Elsewhere jest's default holds.
  maxWorkers: Math.max(2, availableParallelism() - 1),
};
