/**
 * Bundle size and cold init of every function, as `npm run package` builds them. Each bundle is
 * unzipped and its handler imported in a fresh Node process with the environment the template
 * gives the function (NODE_OPTIONS included; references to other resources become placeholder
 * ARNs), as the Lambda runtime's init phase does. Baselines measured in the same run: the wall
 * time of a bare `node` process, and the import of an empty module. Median of a few runs each.
 * With `--against DIR` (another checkout's packaged .serverless/, say main's), each of its bundles
 * is imported too, alternating with this one's, so that the load on the machine falls on both alike.
 * Run: npm run bench:bundles [-- --repeat N --no-package --against DIR]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    repeat: { type: 'string', default: '5' },
    'no-package': { type: 'boolean', default: false },
    against: { type: 'string' },
  },
});
const REPEAT = Number(values.repeat);

if (!values['no-package']) {
  const built = spawnSync(process.execPath, ['scripts/package.mjs'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (built.status !== 0) throw new Error('npm run package failed');
}

interface LambdaFunction {
  name: string;
  handler: string;
  zip: string;
  env: Record<string, string>;
}

interface TemplateFunction {
  Type: string;
  Properties: {
    Handler: string;
    Code: { S3Key: string };
    Environment?: { Variables?: Record<string, unknown> };
  };
}

/** A string for each variable: references to other resources (Ref, GetAtt) become ARNs here. */
function placeholder(name: string, value: unknown): string {
  if (typeof value === 'string') return value;
  return `arn:aws:lambda:us-east-1:123456789012:function:bench-${name.toLowerCase()}`;
}

/** The functions packaged in `dir` (a .serverless/ folder). */
function packagedFunctions(dir: string): LambdaFunction[] {
  const template = JSON.parse(
    readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8'),
  ) as {
    Resources: Record<string, TemplateFunction>;
  };
  return Object.values(template.Resources)
    .filter((resource) => resource.Type === 'AWS::Lambda::Function')
    .map((resource) => {
      const zip = resource.Properties.Code.S3Key.split('/').pop()!;
      const variables = resource.Properties.Environment?.Variables ?? {};
      return {
        name: zip.replace(/\.zip$/, ''),
        handler: resource.Properties.Handler,
        zip: join(dir, zip),
        env: Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, placeholder(k, v)])),
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}
const functions = packagedFunctions('.serverless');
const against = values.against
  ? new Map(packagedFunctions(values.against).map((fn) => [fn.name, fn]))
  : undefined;

const median = (runs: number[]) => [...runs].sort((a, b) => a - b)[Math.floor(runs.length / 2)]!;

/** Imports `file` in a fresh process; returns the import time inside it and the process wall time. */
function coldInit(file: string, env: Record<string, string>): { importMs: number; wallMs: number } {
  const code =
    `const t = performance.now(); const m = await import(${JSON.stringify(pathToFileURL(file).href)});` +
    `if (typeof m.handler !== 'function' && !${JSON.stringify(file.endsWith('empty.mjs'))}) throw new Error('no handler');` +
    `console.log(performance.now() - t);`;
  const start = process.hrtime.bigint();
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1', AWS_LAMBDA_FUNCTION_NAME: 'bench', ...env },
    encoding: 'utf8',
  });
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  if (child.status !== 0) throw new Error(`importing ${file} failed: ${child.stderr}`);
  return { importMs: Number(child.stdout.trim().split('\n').pop()), wallMs };
}

interface Measured {
  importMs: number;
  wallMs: number;
}

/**
 * Cold imports of each file, `REPEAT` rounds of one import each, in turn: whatever load the machine
 * has at a moment falls on every file alike. Median per file.
 */
function measureInTurn(files: Array<{ file: string; env: Record<string, string> }>): Measured[] {
  const runs = files.map(() => [] as Measured[]);
  for (let round = 0; round < REPEAT; round++) {
    files.forEach(({ file, env }, index) => runs[index]!.push(coldInit(file, env)));
  }
  return runs.map((r) => ({
    importMs: median(r.map((m) => m.importMs)),
    wallMs: median(r.map((m) => m.wallMs)),
  }));
}

function unpack(fn: LambdaFunction, into: string): string {
  mkdirSync(into, { recursive: true });
  const unzip = spawnSync('unzip', ['-q', '-o', fn.zip, '-d', into]);
  if (unzip.status !== 0) throw new Error(`unzip ${fn.zip}: ${unzip.stderr}`);
  return join(into, `${fn.handler.replace(/\.[^.]+$/, '')}.mjs`);
}

const scratch = mkdtempSync(join(tmpdir(), 'lifeboat-bundles-'));
try {
  const empty = join(scratch, 'empty.mjs');
  writeFileSync(empty, 'export const handler = async () => undefined;\n');
  const [floor] = measureInTurn([{ file: empty, env: {} }]);
  console.log(
    `bundles bench: ${functions.length} functions, median of ${REPEAT} cold imports each; bare node ${floor!.wallMs.toFixed(0)} ms wall, empty module import ${floor!.importMs.toFixed(1)} ms` +
      (against ? `; each against ${values.against} (the second row), imported in turn with a bare node` : ''),
  );
  console.log(
    `${'function'.padEnd(36)} ${'zip KB'.padStart(7)} ${'code KB'.padStart(8)} ${'import ms'.padStart(10)} ${'no maps'.padStart(8)} ${'wall/bare'.padStart(10)}`,
  );
  const row = (
    label: string,
    zip: string,
    file: string,
    withMaps: Measured,
    withoutMaps: string,
    bare: Measured,
  ) =>
    console.log(
      `${label.padEnd(36)} ${(statSync(zip).size / 1024).toFixed(0).padStart(7)} ${(statSync(file).size / 1024).toFixed(0).padStart(8)}` +
        ` ${withMaps.importMs.toFixed(0).padStart(10)} ${withoutMaps.padStart(8)}` +
        ` ${`${(withMaps.wallMs / bare.wallMs).toFixed(2)}x`.padStart(10)}`,
    );
  for (const fn of functions) {
    const file = unpack(fn, join(scratch, fn.name));
    const { NODE_OPTIONS: _, ...withoutOptions } = fn.env;
    const other = against?.get(fn.name);
    const otherFile = other ? unpack(other, join(scratch, 'against', fn.name)) : undefined;
    const [bare, withMaps, withoutMaps, otherWithMaps] = measureInTurn([
      { file: empty, env: {} },
      { file, env: fn.env },
      { file, env: withoutOptions },
      ...(other && otherFile ? [{ file: otherFile, env: other.env }] : []),
    ]);
    row(fn.name, fn.zip, file, withMaps!, withoutMaps!.importMs.toFixed(0), bare!);
    if (other && otherFile && otherWithMaps) row(`  against`, other.zip, otherFile, otherWithMaps, '', bare!);
  }
  console.log(
    `import ms: the handler module's import with the function's environment (NODE_OPTIONS=${functions[0]?.env.NODE_OPTIONS ?? ''});` +
      ` no maps: the same without NODE_OPTIONS; wall/bare: the whole process against a bare node started in turn with it.`,
  );
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
