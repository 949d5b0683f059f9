/**
 * Finds a Chromium for the browser tests the way users have one: the `CHROME_PATH` environment variable,
 * then the usual install paths, then the headless Chromium that the npm package `@sparticuz/chromium` (a
 * dev dependency, so `npm install` brings it) ships for Linux. Playwright's own browser download is not used:
 * it needs the network at install time.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

/** A browser to launch: its executable and the arguments it needs. */
export type Chromium = { executablePath: string; args: string[]; from: string };

/** Flags for a headless Chromium on a closed network, run as root in a container. */
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];

/** Where Chromium and Chrome usually are: Debian and Ubuntu packages, snap, Fedora, macOS. */
const USUAL_PATHS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/snap/bin/chromium',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
];

/** What to do when no browser is found: one line. */
export const NO_BROWSER =
  'npm test drives a Chromium for the console test and none was found: set CHROME_PATH to one, or install one ' +
  '(Debian/Ubuntu: `sudo apt-get install -y chromium`; macOS: `brew install --cask chromium`)';

/** The packaged Chromium of `@sparticuz/chromium`, unpacked on first use; undefined where it ships none. */
const packagedChromium = async (): Promise<Chromium | undefined> => {
  if (process.platform !== 'linux' || !['x64', 'arm64'].includes(process.arch)) return undefined;
  try {
    createRequire(import.meta.url).resolve('@sparticuz/chromium');
  } catch {
    return undefined;
  }
  const { default: chromium } = await import('@sparticuz/chromium');
  return {
    executablePath: await chromium.executablePath(),
    args: chromium.args,
    from: '@sparticuz/chromium',
  };
};

/** The Chromium to run the browser tests with, or undefined when there is none. */
export const findChromium = async ({
  env = process.env,
  paths = USUAL_PATHS,
}: {
  env?: NodeJS.ProcessEnv;
  paths?: readonly string[];
} = {}): Promise<Chromium | undefined> => {
  const fromEnv = env.CHROME_PATH;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!existsSync(fromEnv)) throw new Error(`CHROME_PATH names ${fromEnv}, which does not exist`);
    return { executablePath: fromEnv, args: ARGS, from: 'CHROME_PATH' };
  }
  const installed = paths.find((path) => existsSync(path));
  if (installed !== undefined) return { executablePath: installed, args: ARGS, from: installed };
  return packagedChromium();
};
