// The CTF 1.8 trace model: what a metadata stream declares, resolved and checked.

export type ByteOrder = 'le' | 'be';
export type Encoding = 'none' | 'utf8' | 'ascii';

/** Role a field plays for the reader (babeltrace2 calls these "meanings"). */
export type Meaning =
  | 'magic'
  | 'stream_id'
  | 'stream_instance_id'
  | 'packet_begin'
  | 'packet_end'
  | 'content_size'
  | 'packet_size'
  | 'packet_seq_num'
  | 'events_discarded'
  | 'event_id'
  | 'uuid';

interface FieldBase {
  /** alignment in bits */
  align: number;
  /** set when the field is printed by babeltrace2 (part of its "IR") */
  inIr?: boolean;
}

export interface IntegerType extends FieldBase {
  kind: 'int';
  size: number;
  signed: boolean;
  byteOrder: ByteOrder;
  base: 2 | 8 | 10 | 16;
  encoding: Encoding;
  /** name of the clock this integer's values are on */
  mappedClock?: string;
  meaning?: Meaning;
  /** index in the decoder's saved-values table when a sequence/variant/clock needs it */
  saveSlot?: number;
}

export interface FloatType extends FieldBase {
  kind: 'float';
  expDig: number;
  mantDig: number;
  byteOrder: ByteOrder;
}

export interface StringType extends FieldBase {
  kind: 'string';
  encoding: Encoding;
}

export interface EnumMapping {
  label: string;
  ranges: [bigint, bigint][];
}

export interface EnumType extends FieldBase {
  kind: 'enum';
  container: IntegerType;
  mappings: EnumMapping[];
}

export interface NamedField {
  name: string;
  type: FieldType;
}

export interface StructType extends FieldBase {
  kind: 'struct';
  fields: NamedField[];
}

export interface VariantType extends FieldBase {
  kind: 'variant';
  tagPath: string;
  options: NamedField[];
  /** resolved tag field */
  tag?: EnumType;
}

export interface ArrayType extends FieldBase {
  kind: 'array';
  length: number;
  element: FieldType;
  /** UTF-8 8-bit integer elements: printed as a string */
  isText: boolean;
}

export interface SequenceType extends FieldBase {
  kind: 'sequence';
  lengthPath: string;
  element: FieldType;
  isText: boolean;
  /** resolved length field */
  lengthField?: IntegerType;
}

export type FieldType =
  | IntegerType
  | FloatType
  | StringType
  | EnumType
  | StructType
  | VariantType
  | ArrayType
  | SequenceType;

export interface ClockClass {
  name: string;
  freq: bigint;
  offsetSeconds: bigint;
  offsetCycles: bigint;
  precision: bigint;
  uuid?: string;
  description?: string;
  absolute: boolean;
  /** babeltrace2 makes one when a timestamp field has no clock */
  implicit?: boolean;
}

export interface EventClass {
  id: number;
  name: string;
  streamId: number;
  logLevel?: number;
  emfUri?: string;
  context?: StructType;
  payload?: StructType;
}

export interface StreamClass {
  id: number;
  packetContext?: StructType;
  eventHeader?: StructType;
  eventContext?: StructType;
  events: Map<number, EventClass>;
  /** clock that the event timestamps of this stream class are on */
  defaultClock?: ClockClass;
}

export type EnvValue = string | bigint;

export interface TraceClass {
  major: number;
  minor: number;
  uuid?: Uint8Array;
  byteOrder: ByteOrder;
  packetHeader?: StructType;
  env: Map<string, EnvValue>;
  clocks: Map<string, ClockClass>;
  streams: Map<number, StreamClass>;
}

export function uuidToString(u: Uint8Array): string {
  const h = Buffer.from(u).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function uuidFromString(s: string): Uint8Array | undefined {
  const h = s.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(h) || s.length !== 36) return undefined;
  return new Uint8Array(Buffer.from(h, 'hex'));
}
