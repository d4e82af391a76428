// Reading the server's HTML pages and their headers in tests without a DOM: attribute values of
// elements, and the directives of a Content-Security-Policy.

const decodeEntities = (html: string): string =>
  html.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));

/** The values of `attribute` on every `element` of the page, entities decoded. */
export const attributeValues = (html: string, element: string, attribute: string): string[] =>
  [...html.matchAll(new RegExp(`<${element}\\b[^>]*\\s${attribute}="([^"]*)"`, 'g'))].map((match) =>
    decodeEntities(match[1]!),
  );

/** The directives of a Content-Security-Policy header, by name. */
export const policyDirectives = (header: string): Map<string, string[]> =>
  new Map(
    header
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .map(([name, ...sources]) => [name!, sources]),
  );
