import * as z from 'zod';
import { brokenTexts } from './well-formed.js';

/**
 * Slack's documented limits for what an incoming webhook accepts, for the block types Lifeboat
 * builds. Slack refuses a message that breaks one (`invalid_blocks`), so a notification is lost.
 * - a message: at most 50 blocks; `text` up to 40,000 characters
 *   (docs.slack.dev/reference/block-kit/blocks, docs.slack.dev/reference/methods/chat.postMessage)
 * - header: plain_text only, up to 150 characters (docs.slack.dev/reference/block-kit/blocks/header-block)
 * - section: `text` up to 3,000; or `fields`, at most 10, each up to 2,000; one of the two is
 *   required (docs.slack.dev/reference/block-kit/blocks/section-block)
 * - context: 1 to 10 elements (docs.slack.dev/reference/block-kit/blocks/context-block)
 * - actions: at most 25 elements (docs.slack.dev/reference/block-kit/blocks/actions-block)
 * - button: plain_text label up to 75, url up to 3,000 (docs.slack.dev/reference/block-kit/block-elements/button-element)
 * - a text object's text is at least 1 character (docs.slack.dev/reference/block-kit/composition-objects/text-object)
 * Lengths are counted in characters (code points), as Slack counts them.
 */
const chars = (max: number) =>
  z
    .string()
    .min(1)
    .refine((text) => [...text].length <= max, { error: `longer than ${max} characters` });

const plainText = (max: number) =>
  z.strictObject({ type: z.literal('plain_text'), text: chars(max), emoji: z.boolean().optional() });
const mrkdwn = (max: number) =>
  z.strictObject({ type: z.literal('mrkdwn'), text: chars(max), verbatim: z.boolean().optional() });

const Header = z.strictObject({
  type: z.literal('header'),
  text: plainText(150),
  block_id: z.string().max(255).optional(),
});
const Section = z
  .strictObject({
    type: z.literal('section'),
    text: z.union([mrkdwn(3000), plainText(3000)]).optional(),
    fields: z
      .array(z.union([mrkdwn(2000), plainText(2000)]))
      .min(1)
      .max(10)
      .optional(),
    block_id: z.string().max(255).optional(),
  })
  .refine((section) => section.text !== undefined || section.fields !== undefined, {
    error: 'a section needs text or fields',
  });
const Button = z.strictObject({
  type: z.literal('button'),
  text: plainText(75),
  url: chars(3000).optional(),
  action_id: z.string().max(255).optional(),
});
const Actions = z.strictObject({ type: z.literal('actions'), elements: z.array(Button).min(1).max(25) });
const Context = z.strictObject({
  type: z.literal('context'),
  elements: z
    .array(z.union([mrkdwn(3000), plainText(3000)]))
    .min(1)
    .max(10),
});

export const SlackMessageSchema = z.strictObject({
  text: chars(40_000),
  blocks: z
    .array(z.discriminatedUnion('type', [Header, Section, Actions, Context]))
    .min(1)
    .max(50),
});

/** The problems Slack would refuse the message for, each with its path; empty when it is valid. */
export function blockKitProblems(message: unknown): string[] {
  const result = SlackMessageSchema.safeParse(message);
  const problems = result.success
    ? []
    : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  return [...problems, ...brokenTexts(message)];
}
