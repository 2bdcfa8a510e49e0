/** Exit codes every `lifeboat` command keeps to (DESIGN.md, "The CLI"). */
export const EXIT = {
  ok: 0,
  /** A verification mismatch or a failed check. */
  failed: 1,
  /** Bad usage, a bad policy or inventory file, an unreachable endpoint named by the operator. */
  usage: 2,
} as const;
