// LTTng's star globs (strutils_star_glob_match): `*` matches any run of
// characters, anywhere; a backslash makes the next character literal (`\*` is
// a star). The one matcher for event names (kernel and user-space rules,
// exclusions, triggers) and for the filter language's glob comparisons.

/** does `name` match the star-glob `pattern` */
export function globMatch(pattern: string, name: string): boolean {
  // literal runs between unescaped stars
  const parts: string[] = [''];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) parts[parts.length - 1] += pattern[++i]!;
    else if (c === '*') parts.push('');
    else parts[parts.length - 1] += c;
  }
  if (parts.length === 1) return parts[0] === name;
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (!name.startsWith(first) || name.length < first.length + last.length || !name.endsWith(last)) return false;
  // greedy leftmost placement of the middle runs is enough: stars absorb the rest
  let pos = first.length;
  const end = name.length - last.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const p = parts[i]!;
    if (p === '') continue;
    const at = name.indexOf(p, pos);
    if (at < 0 || at + p.length > end) return false;
    pos = at + p.length;
  }
  return true;
}

/** has an unescaped `*` */
export function isGlob(pattern: string): boolean {
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] === '\\') i++;
    else if (pattern[i] === '*') return true;
  }
  return false;
}
