/**
 * The packages as a user gets them. Packs every published package, checks what each tarball holds and
 * that `npm publish --dry-run` accepts it, then installs the tarballs into fresh projects outside the
 * repository and checks, as a user would:
 * - the CPU-only install (`@hrm/core` + `@hrm/autodiff`) stays small and brings no GPU binaries;
 * - a consumer program type-checks against the declarations alone, under the strictest flags a user
 *   may have (`skipLibCheck: false`), with TypeScript 7 (this repository's) and TypeScript 5.9
 *   (the `docs` workspace's), for Node (NodeNext) and for a bundler;
 * - it runs on plain `node` (no tsx, no loader flags), and so does every package README's first example;
 * - `npx hrm --version`, `--help` and `demo` work from the installed bin;
 * - a browser bundle built with Vite from the main entries pulls in no Node built-in module.
 *
 * `npm run check:packages` (after `npm run build`); CI runs it. Prints what it measured, and exits
 * non-zero with the reason on the first failure. `--keep` leaves the temporary folder for inspection.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'vite';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PUBLISHED = ['kernels', 'core', 'autodiff', 'nn', 'hrm', 'gpujs', 'server'] as const;
type Pkg = (typeof PUBLISHED)[number];
/** The budget for `npm install @hrm/core @hrm/autodiff`, in bytes on disk (apparent size of every file). */
const CPU_INSTALL_BUDGET = 15 * 2 ** 20;
const TSC = {
  'TypeScript 7': join(ROOT, 'node_modules/typescript/bin/tsc'),
  'TypeScript 5.9': join(ROOT, 'docs/node_modules/typescript/bin/tsc'),
};

/** The compiler options a careful consumer turns on; `skipLibCheck: false` makes it check our .d.ts too. */
const STRICT = {
  strict: true,
  noUncheckedIndexedAccess: true,
  exactOptionalPropertyTypes: true,
  noPropertyAccessFromIndexSignature: true,
  noImplicitReturns: true,
  noFallthroughCasesInSwitch: true,
  skipLibCheck: false,
  target: 'ES2022',
  lib: ['ES2023'],
};

const keep = process.argv.includes('--keep');
const work = mkdtempSync(join(tmpdir(), 'hrm-package-check-'));
const report: string[] = [];

function say(line: string): void {
  console.log(line);
  report.push(line);
}

function run(cmd: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  try {
    return execFileSync(cmd, args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
      maxBuffer: 64 * 2 ** 20,
    });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) failed:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  }
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new Error(message);
}

function writeJson(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

function diskBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += diskBytes(path);
    else if (entry.isFile()) total += statSync(path).size;
  }
  return total;
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;

// ---------------------------------------------------------------------------------------------
// Pack and inspect

interface Packed {
  readonly filename: string;
  readonly files: readonly { readonly path: string }[];
  readonly size: number;
  readonly unpackedSize: number;
}

function pack(pkg: Pkg, into: string): string {
  const dir = join(ROOT, 'packages', pkg);
  const [info] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', into], dir)) as Packed[];
  check(info !== undefined, `npm pack @hrm/${pkg} printed nothing`);
  const files = info.files.map((f) => f.path);
  const must = ['package.json', 'LICENSE', 'README.md', 'dist/index.js', 'dist/index.d.ts'];
  if (pkg === 'hrm') must.push('dist/bin.js', 'checkpoints/sudoku4.safetensors');
  if (pkg === 'server') must.push('dist/worker.js');
  for (const f of must) check(files.includes(f), `@hrm/${pkg}: the tarball lacks ${f}`);
  const stray = files.filter((f) => /\.test(-d)?\.|^src\/|testing|\.tsbuildinfo$/.test(f));
  check(stray.length === 0, `@hrm/${pkg}: the tarball ships tests, sources or test helpers: ${stray.join(', ')}`);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
  for (const field of ['version', 'license', 'repository', 'engines', 'exports', 'files', 'sideEffects'])
    check(manifest[field] !== undefined, `@hrm/${pkg}: package.json has no "${field}"`);
  check(manifest.private !== true, `@hrm/${pkg} is private`);
  run('npm', ['publish', '--dry-run', '--json'], dir);
  say(
    `  @hrm/${pkg.padEnd(8)} ${String(files.length).padStart(4)} files, ${mb(info.size)} packed, ${mb(info.unpackedSize)} unpacked; publish --dry-run ok`,
  );
  return join(into, info.filename);
}

// ---------------------------------------------------------------------------------------------
// Fresh projects

function project(name: string, tarballs: readonly string[], extra: readonly string[] = []): string {
  const dir = join(work, name);
  writeJson(join(dir, 'package.json'), { name: `hrm-consumer-${name}`, private: true, type: 'module' });
  run('npm', ['install', '--no-audit', '--no-fund', '--omit=dev', ...tarballs, ...extra], dir);
  return dir;
}

function typecheck(dir: string, config: string): void {
  for (const [name, tsc] of Object.entries(TSC)) {
    try {
      run(process.execPath, [tsc, '-p', config, '--noEmit'], dir);
    } catch (e) {
      throw new Error(`${name} rejects ${config}:\n${(e as Error).message}`);
    }
  }
}

/** The first ```ts block of a package README: its runnable first example. */
function readmeExample(pkg: Pkg): string {
  const text = readFileSync(join(ROOT, 'packages', pkg, 'README.md'), 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(text)?.[1];
  check(block !== undefined, `packages/${pkg}/README.md has no \`\`\`ts example`);
  return block ?? '';
}

const noNodeBuiltins: Plugin = {
  name: 'no-node-builtins',
  enforce: 'pre',
  resolveId(id, importer) {
    const bare = id.replace(/^node:/, '');
    if (id.startsWith('node:') || builtinModules.includes(bare))
      this.error(`the browser bundle imports the Node module "${id}" (from ${importer ?? 'the entry'})`);
    return null;
  },
};

async function main(): Promise<void> {
  const started = performance.now();
  say(`package check in ${work}`);
  run('npm', ['run', 'build', '--silent'], ROOT);

  const tarballDir = join(work, 'tarballs');
  mkdirSync(tarballDir);
  const tarball = Object.fromEntries(PUBLISHED.map((p) => [p, pack(p, tarballDir)])) as Record<Pkg, string>;

  // CPU users: core + autodiff (and what they depend on), no GPU package anywhere.
  const cpu = project('cpu', [tarball.kernels, tarball.core, tarball.autodiff]);
  const cpuBytes = diskBytes(join(cpu, 'node_modules'));
  const installed = readdirSync(join(cpu, 'node_modules'));
  for (const gpu of ['gpu.js', 'webgpu', 'gl'])
    check(!installed.includes(gpu), `the CPU-only install brought ${gpu} in (${installed.join(', ')})`);
  check(cpuBytes <= CPU_INSTALL_BUDGET, `the CPU-only install takes ${mb(cpuBytes)}, over ${mb(CPU_INSTALL_BUDGET)}`);
  say(`  npm install @hrm/core @hrm/autodiff: ${mb(cpuBytes)} on disk (${installed.join(', ')})`);

  // A consumer of everything but the GPU package, with Node's types (its own choice, not ours). The
  // server's README example starts it on a free local port, fetches an answer and closes it.
  const app = project(
    'app',
    [tarball.kernels, tarball.core, tarball.autodiff, tarball.nn, tarball.hrm, tarball.server],
    ['@types/node@20', 'vite@8.3.8'],
  );
  const consumer = readFileSync(join(ROOT, 'scripts/consumer/node-app.ts'), 'utf8');
  writeFileSync(join(app, 'node-app.ts'), consumer);
  for (const pkg of PUBLISHED) writeFileSync(join(app, `readme-${pkg}.ts`), readmeExample(pkg));
  const nodeFiles = ['node-app.ts', ...PUBLISHED.filter((p) => p !== 'gpujs').map((p) => `readme-${p}.ts`)];
  writeJson(join(app, 'tsconfig.json'), {
    compilerOptions: { ...STRICT, module: 'NodeNext', moduleResolution: 'NodeNext', types: ['node'], outDir: 'out' },
    files: nodeFiles,
  });
  typecheck(app, 'tsconfig.json');
  run(process.execPath, [TSC['TypeScript 7'], '-p', 'tsconfig.json'], app);
  for (const file of nodeFiles) {
    const out = run('node', [join('out', file.replace(/\.ts$/, '.js'))], app).trim();
    say(`  node ${file}: ${out.split('\n').at(-1)}`);
  }

  // The browser: the main entries only, no Node types, bundler resolution, and a Vite build.
  const web = join(app, 'web');
  mkdirSync(web);
  writeFileSync(join(web, 'main.ts'), readFileSync(join(ROOT, 'scripts/consumer/browser-app.ts'), 'utf8'));
  writeFileSync(join(web, 'index.html'), '<!doctype html><script type="module" src="./main.ts"></script>\n');
  writeJson(join(web, 'tsconfig.json'), {
    compilerOptions: { ...STRICT, lib: ['ES2023', 'DOM'], module: 'ESNext', moduleResolution: 'bundler', types: [] },
    files: ['main.ts'],
  });
  typecheck(web, 'tsconfig.json');
  await build({
    root: web,
    configFile: false,
    logLevel: 'warn',
    plugins: [noNodeBuiltins],
    build: { outDir: join(web, 'dist'), target: 'es2022', chunkSizeWarningLimit: 8192 },
  });
  const bundle = readdirSync(join(web, 'dist/assets')).filter((f) => f.endsWith('.js'));
  const bundleBytes = bundle.reduce((n, f) => n + statSync(join(web, 'dist/assets', f)).size, 0);
  say(`  vite build of the browser entries: ${mb(bundleBytes)} of JavaScript, no Node built-in module`);

  // The hrm command, from the installed bin.
  const version = run('npx', ['--no-install', 'hrm', '--version'], app).trim();
  const expected = (JSON.parse(readFileSync(join(ROOT, 'packages/hrm/package.json'), 'utf8')) as { version: string })
    .version;
  check(version === expected, `npx hrm --version printed ${version}, not ${expected}`);
  const help = run('npx', ['--no-install', 'hrm', '--help'], app);
  check(help.includes('Usage: hrm <command>'), `npx hrm --help printed:\n${help}`);
  const demo = run('npx', ['--no-install', 'hrm', 'demo', '--count', '1'], app);
  check(/solved/.test(demo), `npx hrm demo solved nothing:\n${demo}`);
  say(`  npx hrm --version: ${version}; --help and demo ok`);
  // hrm finds the optional @hrm/server installed beside it: `hrm mcp` answers an MCP initialize on stdio.
  const init = JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'package-check', version: '0' } },
  });
  const mcp = execFileSync(
    'npx',
    ['--no-install', 'hrm', 'mcp', '--checkpoint', join(app, 'node_modules/@hrm/hrm/checkpoints/sudoku4.safetensors')],
    {
      cwd: app,
      input: `${init}\n`,
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  check(/"serverInfo":\{"name":"hrm"/.test(mcp), `npx hrm mcp did not answer initialize:\n${mcp}`);
  say('  npx hrm mcp: answers an MCP initialize (with @hrm/server installed beside @hrm/hrm)');

  say(`package check passed in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

main()
  .catch((e: unknown) => {
    console.error(`package check FAILED: ${(e as Error).message}`);
    process.exitCode = 1;
  })
  .finally(() => {
    if (keep) console.log(`(kept ${work})`);
    else rmSync(work, { recursive: true, force: true });
  });
