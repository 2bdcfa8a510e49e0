import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

// deploy/chat.cjs is what serverless.yml calls at package time (`${file(./deploy/chat.cjs):json}`).
// The file is named in LIFEBOAT_CHAT_FILE (osls refuses unknown CLI options).
const chatSettings = createRequire(import.meta.url)('../../deploy/chat.cjs') as () => Promise<{
  json: string;
  digestSchedule: string;
  notifyStatements: unknown[];
  digestStatements: unknown[];
}>;

const dir = mkdtempSync(join(tmpdir(), 'lifeboat-chat-'));
afterEach(() => {
  delete process.env.LIFEBOAT_CHAT_FILE;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function settingsFile(text: string): string {
  const path = join(dir, `chat-${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(path, text);
  return path;
}

describe('chat settings at package time', () => {
  it('grants notify exactly the secrets the channels name', async () => {
    const settings = await chatSettings();

    expect(JSON.parse(settings.json)).toMatchObject({ routes: { critical: { mention: 'here' } } });
    expect(settings.digestSchedule).toBe('rate(1 hour)');
    const granted = JSON.stringify(settings.notifyStatements);
    expect(granted).toContain('secret:lifeboat/slack-alerts-??????');
    expect(granted).toContain('parameter/lifeboat/slack-quiet');
    expect(granted).toContain('"sqs:SendMessage"');
    expect(granted).toContain('${NotifyDeliveriesBucket}/deliveries/*');
    expect(JSON.stringify(settings.digestStatements)).not.toContain('NotifyDeliveriesBucket');
    expect(JSON.stringify(settings.digestStatements)).toContain('"sqs:ReceiveMessage"');
  });

  it('fails packaging on a route to an undefined channel, naming the key', async () => {
    const path = settingsFile(
      ['channels: {}', 'routes:', '  critical: { channels: [pager] }', ''].join('\n'),
    );

    process.env.LIFEBOAT_CHAT_FILE = path;

    await expect(chatSettings()).rejects.toThrow(
      /routes\.critical\.channels\.0: names channel "pager", which is not defined under channels/,
    );
  });
});
