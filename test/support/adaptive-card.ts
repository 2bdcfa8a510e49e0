import * as z from 'zod';
import { brokenTexts } from './well-formed.js';

/**
 * The Adaptive Card 1.4 schema for the elements Lifeboat's Teams cards use, transcribed from the
 * published schema (github.com/microsoft/AdaptiveCards, schemas/1.4.0/adaptive-card.json,
 * definitions AdaptiveCard, TextBlock, FactSet, Fact, Container, ColumnSet, Column,
 * Action.OpenUrl, Extendable.Element and the enums Colors, FontSize, FontWeight, Spacing,
 * HorizontalAlignment). As there, every object is closed (`additionalProperties: false`), and an
 * enum value matches in any letter case. An element type outside this subset is refused: add it
 * from the schema before a presenter uses it.
 */
const caseless = (...values: string[]) =>
  z.string().refine((value) => values.some((v) => v.toLowerCase() === value.toLowerCase()), {
    error: `must be one of ${values.join(', ')} (any case)`,
  });

const Colors = caseless('default', 'dark', 'light', 'accent', 'good', 'warning', 'attention');
const FontSize = caseless('default', 'small', 'medium', 'large', 'extraLarge');
const FontWeight = caseless('default', 'lighter', 'bolder');
const FontType = caseless('default', 'monospace');
const Spacing = caseless('default', 'none', 'small', 'medium', 'large', 'extraLarge', 'padding');
const HorizontalAlignment = caseless('left', 'center', 'right');
const ContainerStyle = caseless('default', 'emphasis', 'good', 'attention', 'warning', 'accent');
const BlockElementHeight = caseless('auto', 'stretch');

// Extendable.Element (fallback and requires are left out: no presenter sets them).
const element = {
  height: BlockElementHeight.optional(),
  separator: z.boolean().optional(),
  spacing: Spacing.optional(),
  id: z.string().optional(),
  isVisible: z.boolean().optional(),
};

const TextBlock = z.strictObject({
  type: z.literal('TextBlock'),
  text: z.string(),
  color: Colors.optional(),
  fontType: FontType.optional(),
  horizontalAlignment: HorizontalAlignment.optional(),
  isSubtle: z.boolean().optional(),
  maxLines: z.number().optional(),
  size: FontSize.optional(),
  weight: FontWeight.optional(),
  wrap: z.boolean().optional(),
  ...element,
});

const FactSet = z.strictObject({
  type: z.literal('FactSet'),
  facts: z.array(
    z.strictObject({ type: z.literal('Fact').optional(), title: z.string(), value: z.string() }),
  ),
  ...element,
});

const OpenUrl = z.strictObject({
  type: z.literal('Action.OpenUrl'),
  url: z
    .string()
    .refine((url) => URL.canParse(url, 'https://example.com/'), { error: 'not a URI reference' }),
  title: z.string().optional(),
  iconUrl: z.string().optional(),
});

type Element = z.infer<typeof TextBlock> | z.infer<typeof FactSet> | { type: 'Container' | 'ColumnSet' };
const Element: z.ZodType<Element> = z.lazy(() =>
  z.discriminatedUnion('type', [TextBlock, FactSet, Container, ColumnSet]),
);
const Container = z.strictObject({
  type: z.literal('Container'),
  items: z.array(Element),
  style: ContainerStyle.nullable().optional(),
  ...element,
});
const Column = z.strictObject({
  type: z.literal('Column'),
  items: z.array(Element).optional(),
  width: z.union([z.string(), z.number()]).optional(),
  separator: z.boolean().optional(),
  spacing: Spacing.optional(),
  style: ContainerStyle.nullable().optional(),
  id: z.string().optional(),
  isVisible: z.boolean().optional(),
});
const ColumnSet = z.strictObject({
  type: z.literal('ColumnSet'),
  columns: z.array(Column).optional(),
  horizontalAlignment: HorizontalAlignment.optional(),
  ...element,
});

const schemas: Record<string, z.ZodType> = {
  '1.4': z.strictObject({
    $schema: z.string().optional(),
    type: z.literal('AdaptiveCard'),
    version: z.literal('1.4'),
    body: z.array(Element).optional(),
    actions: z.array(OpenUrl).optional(),
    fallbackText: z.string().optional(),
    speak: z.string().optional(),
    lang: z.string().optional(),
    // Not in the Adaptive Card schema: Teams' own extension for a full-width card
    // (learn.microsoft.com/en-us/microsoftteams/platform/task-modules-and-cards/cards/cards-format#full-width-adaptive-card).
    msteams: z.strictObject({ width: z.literal('Full') }).optional(),
  }),
};

// Teams refuses a message over about 28 KB ("Request Entity too large", HTTP 413), for incoming
// webhooks and for the Workflows connector alike
// (learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook,
// learn.microsoft.com/en-us/connectors/teams/#known-issues-and-limitations-with-actions).
export const TEAMS_MESSAGE_MAX_BYTES = 28 * 1024;

const WorkflowMessage = z.strictObject({
  type: z.literal('message'),
  attachments: z
    .array(
      z.strictObject({
        contentType: z.literal('application/vnd.microsoft.card.adaptive'),
        contentUrl: z.null().optional(),
        content: z.unknown(),
      }),
    )
    .length(1),
});

/**
 * The problems Teams would refuse a Workflows webhook message for: the envelope, the card against
 * the schema of the version it declares, and the message size. Empty when it is valid.
 */
export function adaptiveCardProblems(message: unknown): string[] {
  const problems: string[] = [];
  const issues = (error: z.ZodError, prefix: string) =>
    error.issues.map((issue) => `${[prefix, ...issue.path].join('.')}: ${issue.message}`);
  const envelope = WorkflowMessage.safeParse(message);
  if (!envelope.success) return issues(envelope.error, 'message');
  const card = envelope.data.attachments[0]!.content as { version?: unknown };
  const schema = schemas[String(card?.version)];
  if (!schema) return [`card.version: no schema for Adaptive Card version ${String(card?.version)}`];
  const parsed = schema.safeParse(card);
  if (!parsed.success) problems.push(...issues(parsed.error, 'card'));
  problems.push(...brokenTexts(message));
  const bytes = Buffer.byteLength(JSON.stringify(message), 'utf8');
  if (bytes > TEAMS_MESSAGE_MAX_BYTES)
    problems.push(`message: ${bytes} bytes, over Teams' ${TEAMS_MESSAGE_MAX_BYTES}`);
  return problems;
}
