import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { expect } from 'vitest';

/**
 * `toMatchFileSnapshot`, except that a missing snapshot file fails everywhere. Vitest writes a
 * missing file outside CI and passes, so a deleted or renamed fixture would silently be re-created
 * from whatever the code produces now. Only an explicit `vitest run -u` may create one.
 *
 * @example
 * await expectFileSnapshot(JSON.stringify(body, null, 2) + '\n', '../fixtures/chat/slack-failure.json', import.meta.url);
 */
export async function expectFileSnapshot(text: string, path: string, testFileUrl: string): Promise<void> {
  const file = resolve(dirname(new URL(testFileUrl).pathname), path);
  // `all` only under `-u`/`--update`; locally the default is `new`, which writes missing files.
  const update = (expect.getState().snapshotState as unknown as { _updateSnapshot?: string })._updateSnapshot;
  if (update !== 'all') {
    expect(
      existsSync(file),
      `snapshot ${path} is missing; create it with \`npx vitest run -u\` and review it`,
    ).toBe(true);
  }
  await expect(text).toMatchFileSnapshot(path);
}
