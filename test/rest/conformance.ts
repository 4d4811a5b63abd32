/**
 * Checks a JSON value against a schema of the OpenAPI document: the subset of JSON Schema the document
 * uses ($ref, allOf, type, const, enum, required, properties, additionalProperties, items, format).
 * Objects are closed: a property the document does not name is an error, so the document must say
 * exactly what the routes answer.
 */
type Schema = Record<string, any>;

export function resolve(doc: Schema, schema: Schema): Schema {
  if (typeof schema.$ref !== 'string') return schema;
  const target = (schema.$ref as string)
    .replace(/^#\//, '')
    .split('/')
    .reduce<any>((node, key) => node?.[key], doc);
  if (!target) throw new Error(`Unresolved ${schema.$ref}`);
  return resolve(doc, target);
}

function flatten(doc: Schema, schema: Schema): Schema[] {
  const resolved = resolve(doc, schema);
  return [resolved, ...((resolved.allOf as Schema[] | undefined) ?? []).flatMap((part) => flatten(doc, part))];
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const TYPES: Record<string, (value: unknown) => boolean> = {
  string: (v) => typeof v === 'string',
  integer: (v) => Number.isInteger(v),
  number: (v) => typeof v === 'number',
  boolean: (v) => typeof v === 'boolean',
  null: (v) => v === null,
  array: Array.isArray,
  object: isObject,
};

const FORMATS: Record<string, (value: string) => boolean> = {
  'date-time': (v) => !Number.isNaN(Date.parse(v)) && /^\d{4}-\d{2}-\d{2}T/.test(v),
  uuid: (v) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(v),
  uri: (v) => URL.canParse(v),
};

export function conformance(doc: Schema, schema: Schema, value: unknown, at = '$'): string[] {
  return check(doc, [schema], value, at);
}

function check(doc: Schema, schemas: Schema[], value: unknown, at: string): string[] {
  const all = schemas.flatMap((schema) => flatten(doc, schema));
  const errors: string[] = [];
  for (const s of all) {
    if ('const' in s && value !== s.const) errors.push(`${at}: expected ${JSON.stringify(s.const)}`);
    if (s.enum && !s.enum.includes(value)) errors.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(s.enum)}`);
    if (s.type && ![s.type].flat().some((type: string) => TYPES[type]!(value))) errors.push(`${at}: expected ${s.type}`);
    if (s.format && typeof value === 'string' && FORMATS[s.format] && !FORMATS[s.format]!(value)) errors.push(`${at}: not a ${s.format}`);
    if (s.required && isObject(value)) {
      for (const key of s.required as string[]) if (!(key in value)) errors.push(`${at}.${key}: missing`);
    }
  }
  if (isObject(value)) {
    const extra = all.map((s) => s.additionalProperties).filter((a) => a !== undefined && a !== false) as Schema[];
    const open = all.every((s) => !s.properties) && extra.length === 0;
    for (const [key, item] of Object.entries(value)) {
      const own = all.flatMap((s) => (s.properties?.[key] ? [s.properties[key] as Schema] : []));
      if (own.length > 0) errors.push(...check(doc, own, item, `${at}.${key}`));
      else if (extra.length > 0) errors.push(...check(doc, extra, item, `${at}.${key}`));
      else if (!open) errors.push(`${at}.${key}: not in the document`);
    }
  }
  if (Array.isArray(value)) {
    const items = all.flatMap((s) => (s.items ? [s.items as Schema] : []));
    for (const [i, item] of value.entries()) errors.push(...check(doc, items, item, `${at}[${i}]`));
  }
  return errors;
}
