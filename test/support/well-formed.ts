/**
 * The paths of strings holding half of a surrogate pair: such a string has no UTF-8 form, so the
 * JSON a webhook receives is not what was meant (or is refused).
 */
export function brokenTexts(value: unknown, path: string[] = []): string[] {
  if (typeof value === 'string') {
    return /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(value)
      ? [`${path.join('.')}: half of a surrogate pair (not UTF-8)`]
      : [];
  }
  if (Array.isArray(value))
    return value.flatMap((item, index) => brokenTexts(item, [...path, String(index)]));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => brokenTexts(item, [...path, key]));
  }
  return [];
}
