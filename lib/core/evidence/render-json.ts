import type { Evidence } from './types.js';

/** The evidence as JSON: every number the HTML and Markdown show, for a tool or an auditor's script. */
export function renderEvidenceJson(evidence: Evidence): string {
  return `${JSON.stringify(evidence, null, 2)}\n`;
}
