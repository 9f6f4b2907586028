// SWC, transpile only (see jest.swc.js).
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
};
