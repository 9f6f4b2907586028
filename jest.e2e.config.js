// Browser tests of the local console (`npm run test:e2e`): headless Chromium from the OS (Debian's `chromium`
// package) driven by playwright-core. Kept out of `npm test`: they start the whole local runtime and a browser.
const { transform, transformIgnorePatterns } = require('./jest.swc');

/** @type {import('jest').Config} */
module.exports = {
  displayName: 'e2e',
  testEnvironment: 'node',
  transform,
  transformIgnorePatterns,
  testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
  testTimeout: 240000,
  // afterAll stops the runtime; a job run still in flight must not keep CI waiting after a failure.
  forceExit: true,
};
