// Field declarations of `ttng/ust` events: the shorthands users write
// ('s32', 'u64_hex', { sequence: 'u8' }, …), their normalized UstTypeDecl, and
// the JavaScript value each takes in emit().
import type { UstIntegerDecl, UstTypeDecl } from './protocol.js';

export type IntName = 'u8' | 'u16' | 'u32' | 'u64' | 's8' | 's16' | 's32' | 's64';
export type HexName = `${IntName}_hex`;
export type IntSpec = IntName | HexName;
type Wide = 'u64' | 's64' | 'u64_hex' | 's64_hex';

/** one field: a shorthand, or a full UstTypeDecl */
export type FieldSpec =
  | IntSpec
  | 'float'
  | 'double'
  | 'string'
  /** fixed-length array of integers */
  | { array: IntSpec; length: number }
  /** variable-length array of integers; its length field is `lengthType` (default u32) */
  | { sequence: IntSpec; lengthType?: 'u8' | 'u16' | 'u32' | 'u64' }
  /** `ctf_array_text`: text in `length` bytes (cut or zero-padded) */
  | { text: number }
  /** `ctf_sequence_text`: text with its byte length before it */
  | { textSequence: true; lengthType?: 'u8' | 'u16' | 'u32' | 'u64' }
  /** enum over an integer (default s32): label → value or [first, last] */
  | { enum: Record<string, number | readonly [number, number]>; type?: IntSpec }
  | UstTypeDecl;

/** the value emit() takes for a field of type F */
export type ValueOf<F> = F extends Wide
  ? number | bigint
  : F extends IntSpec | 'float' | 'double'
    ? number
    : F extends 'string'
      ? string
      : F extends { array: infer E } | { sequence: infer E }
        ? ArrayLike<E extends Wide ? number | bigint : number>
        : F extends { text: number } | { textSequence: true }
          ? string
          : F extends { enum: unknown }
            ? number
            : F extends { type: 'integer'; size: 64 }
              ? number | bigint
              : F extends { type: 'integer' | 'float' | 'enum' }
                ? number
                : F extends { type: 'string' }
                  ? string
                  : F extends { type: 'array' | 'sequence'; text: true }
                    ? string
                    : F extends { type: 'array' | 'sequence' }
                      ? ArrayLike<number | bigint>
                      : never;

/** fields as [name, spec] pairs (typed positional arguments) or an object (declaration order = key order) */
export type FieldList = readonly (readonly [string, FieldSpec])[];
export type FieldObject = Readonly<Record<string, FieldSpec>>;

export type ArgsOf<F> = F extends FieldList
  ? { [K in keyof F]: F[K] extends readonly [string, infer S] ? ValueOf<S> : never }
  : F extends FieldObject
    ? ValueOf<F[keyof F]>[]
    : never;

export class UstDeclError extends Error {}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

function intDecl(s: string, where: string): UstIntegerDecl {
  const m = /^([us])(8|16|32|64)(_hex)?$/.exec(s);
  if (!m) throw new UstDeclError(`${where}: unknown integer type ${JSON.stringify(s)} (u8…u64, s8…s64, optionally _hex)`);
  return { type: 'integer', size: Number(m[2]) as 8 | 16 | 32 | 64, signed: m[1] === 's', base: m[3] ? 16 : 10 };
}

function checkInt(d: UstIntegerDecl, where: string): UstIntegerDecl {
  if (d?.type !== 'integer' || ![8, 16, 32, 64].includes(d.size) || typeof d.signed !== 'boolean' || (d.base !== 10 && d.base !== 16))
    throw new UstDeclError(`${where}: bad integer declaration`);
  return { type: 'integer', size: d.size, signed: d.signed, base: d.base };
}

/** normalizes one field spec */
export function fieldType(spec: FieldSpec, where: string): UstTypeDecl {
  if (typeof spec === 'string') {
    if (spec === 'float') return { type: 'float', size: 32 };
    if (spec === 'double') return { type: 'float', size: 64 };
    if (spec === 'string') return { type: 'string' };
    return intDecl(spec, where);
  }
  if (spec === null || typeof spec !== 'object') throw new UstDeclError(`${where}: bad field type`);
  if ('array' in spec) {
    if (!Number.isInteger(spec.length) || spec.length < 0 || spec.length > 65536) throw new UstDeclError(`${where}: array length must be 0…65536`);
    return { type: 'array', length: spec.length, element: intDecl(spec.array, where) };
  }
  if ('sequence' in spec) return { type: 'sequence', lengthType: intDecl(spec.lengthType ?? 'u32', where), element: intDecl(spec.sequence, where) };
  if ('textSequence' in spec)
    return { type: 'sequence', lengthType: intDecl(spec.lengthType ?? 'u32', where), element: { type: 'integer', size: 8, signed: true, base: 10 }, text: true };
  if ('enum' in spec) {
    const container = intDecl(spec.type ?? 's32', where);
    const mappings = Object.entries(spec.enum).map(([label, v]) => {
      const [start, end] = typeof v === 'number' ? [v, v] : v;
      if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start) throw new UstDeclError(`${where}: enum ${label}: bad range`);
      return { label, start, end };
    });
    return { type: 'enum', container, mappings };
  }
  if ('text' in spec && typeof spec.text === 'number') {
    if (!Number.isInteger(spec.text) || spec.text < 0 || spec.text > 65536) throw new UstDeclError(`${where}: text length must be 0…65536`);
    return { type: 'array', length: spec.text, element: { type: 'integer', size: 8, signed: true, base: 10 }, text: true };
  }
  const d = spec as UstTypeDecl;
  switch (d.type) {
    case 'integer':
      return checkInt(d, where);
    case 'float':
      if (d.size !== 32 && d.size !== 64) throw new UstDeclError(`${where}: float size must be 32 or 64`);
      return { type: 'float', size: d.size };
    case 'string':
      return { type: 'string' };
    case 'enum':
      return { type: 'enum', container: checkInt(d.container, where), mappings: d.mappings.map((m) => ({ ...m })) };
    case 'array':
      return { type: 'array', length: d.length, element: checkInt(d.element, where), ...(d.text ? { text: true } : {}) };
    case 'sequence':
      return { type: 'sequence', lengthType: checkInt(d.lengthType, where), element: checkInt(d.element, where), ...(d.text ? { text: true } : {}) };
  }
  throw new UstDeclError(`${where}: bad field type`);
}

export function fieldList(fields: FieldList | FieldObject, where: string): { name: string; type: UstTypeDecl }[] {
  const pairs: (readonly [string, FieldSpec])[] = Array.isArray(fields) ? (fields as FieldList).slice() : Object.entries(fields as FieldObject);
  const seen = new Set<string>();
  return pairs.map(([name, spec]) => {
    if (typeof name !== 'string' || !IDENT.test(name) || name.length > 200) throw new UstDeclError(`${where}: bad field name ${JSON.stringify(name)}`);
    if (seen.has(name)) throw new UstDeclError(`${where}: field ${name} declared twice`);
    seen.add(name);
    return { name, type: fieldType(spec, `${where}.${name}`) };
  });
}
