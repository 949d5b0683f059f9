import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findChromium } from './browser.js';

describe('the browser of the browser tests', () => {
  it('is the one CHROME_PATH names, when it exists', async () => {
    const found = await findChromium({ env: { CHROME_PATH: process.execPath }, paths: [] });

    expect(found).toMatchObject({ executablePath: process.execPath, from: 'CHROME_PATH' });
  });

  it('refuses a CHROME_PATH that names nothing, saying so', async () => {
    await expect(findChromium({ env: { CHROME_PATH: '/no/such/chrome' } })).rejects.toThrow(
      'CHROME_PATH names /no/such/chrome, which does not exist',
    );
  });

  it('is the first of the usual install paths that exists', async () => {
    const found = await findChromium({ env: {}, paths: ['/no/such/chromium', process.execPath] });

    expect(found?.executablePath).toBe(process.execPath);
  });

  it.runIf(process.platform === 'linux' && ['x64', 'arm64'].includes(process.arch))(
    'is the Chromium npm install brought, when no browser is installed',
    async () => {
      const found = await findChromium({ env: {}, paths: [] });

      expect(found?.from).toBe('@sparticuz/chromium');
      expect(existsSync(found?.executablePath ?? '')).toBe(true);
    },
  );
});
