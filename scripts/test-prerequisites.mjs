#!/usr/bin/env node
// First step of `npm test`: the programs the tests start (PostgreSQL 15, MariaDB, moto_server,
// cfn-lint, unzip, Chromium) are on this machine, or are installed from the system's packages when the
// machine allows it (root with apt-get), or the run stops here with the exact command to run.
// The tests never install anything themselves: this is the one place.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

const onPath = (name) =>
  (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
const executable = (path) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

// Debian's packages: the tests run PostgreSQL 15 from its versioned directory (test/support/postgres.ts)
// and mariadbd from /usr/sbin (test/support/mariadb.ts).
const aptPrerequisites = [
  {
    what: 'PostgreSQL 15',
    present: () => executable('/usr/lib/postgresql/15/bin/initdb'),
    packages: ['postgresql-15', 'postgresql-client-15'],
  },
  {
    what: 'MariaDB',
    present: () => onPath('mariadbd') || executable('/usr/sbin/mariadbd'),
    packages: ['mariadb-server', 'mariadb-client'],
  },
  { what: 'unzip', present: () => onPath('unzip'), packages: ['unzip'] },
  // The evidence report's browser test (test/e2e/evidence-browser.test.ts) drives it headless.
  {
    what: 'Chromium',
    present: () => executable(process.env.LIFEBOAT_CHROMIUM ?? '/usr/bin/chromium'),
    packages: ['chromium'],
  },
];
// Python tools: PyPI may not be reachable, so they are never installed from here.
const pythonPrerequisites = [
  { what: 'moto_server', present: () => onPath('moto_server') },
  { what: 'cfn-lint', present: () => onPath('cfn-lint') },
];

function run(command, args) {
  const result = spawnSync(command, args, {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return result.status === 0;
}

const missingApt = aptPrerequisites.filter((p) => !p.present());
const missingPython = pythonPrerequisites.filter((p) => !p.present());
const packages = missingApt.flatMap((p) => p.packages);
const aptCommand = `apt-get update && apt-get install -y --no-install-recommends ${packages.join(' ')}`;

if (missingApt.length > 0) {
  const mayInstall = process.getuid?.() === 0 && onPath('apt-get');
  if (!mayInstall) {
    console.error(
      `npm test needs ${missingApt.map((p) => p.what).join(', ')}. Install, as root:\n  ${aptCommand}`,
    );
    process.exit(2);
  }
  console.log(
    `Installing ${missingApt.map((p) => p.what).join(', ')} from the system's packages (${packages.join(' ')})`,
  );
  // The Debian packages start no server where policy-rc.d forbids it; the tests start their own on loopback.
  if (
    !run('apt-get', ['update', '-q']) ||
    !run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...packages])
  ) {
    console.error(`Installing failed. Run, as root:\n  ${aptCommand}`);
    process.exit(2);
  }
  const still = missingApt.filter((p) => !p.present());
  if (still.length > 0) {
    console.error(`Still missing after the install: ${still.map((p) => p.what).join(', ')}`);
    process.exit(2);
  }
}

if (missingPython.length > 0) {
  console.error(
    `npm test needs ${missingPython.map((p) => p.what).join(' and ')} (Python). Install:\n  pip install 'moto[server]==5.2.1' cfn-lint`,
  );
  process.exit(2);
}
console.log(
  'Test prerequisites: PostgreSQL 15, MariaDB, moto_server, cfn-lint, unzip and Chromium are here.',
);
