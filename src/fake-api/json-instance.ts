/**
 * A minimal instance of a JSON schema, for structured-output requests nobody scripted: objects
 * with their required properties only, `[]` (or `minItems` items), `""` (or `minLength` x's, or a
 * sample of a known `format`), 0 (or `minimum`), `false`, `null`, the first `enum` value, `const`,
 * the first `anyOf`/`oneOf` variant. `$ref`s to `#`, `#/$defs/…` and `#/definitions/…` are followed.
 *
 * The SDK's `transformJSONSchema` moves constraints the API does not support (e.g. `minLength: 5`)
 * into the description as `{minLength: 5}`; those are read back so zod's own checks still pass.
 */

type Schema = Record<string, unknown>;

const FORMAT_SAMPLES: Record<string, string> = {
  'date-time': '1970-01-01T00:00:00Z',
  date: '1970-01-01',
  time: '00:00:00Z',
  duration: 'P0D',
  email: 'user@example.com',
  hostname: 'example.com',
  uri: 'https://example.com',
  ipv4: '127.0.0.1',
  ipv6: '::1',
  uuid: '00000000-0000-4000-8000-000000000000',
};

const MAX_DEPTH = 32;

/** A numeric constraint from the schema itself or from a `{key: n}` note in its description. */
function constraint(schema: Schema, key: string): number | undefined {
  if (typeof schema[key] === 'number') return schema[key] as number;
  const description = typeof schema.description === 'string' ? schema.description : '';
  const m = new RegExp(`\\b${key}: ?(-?\\d+(?:\\.\\d+)?)`).exec(description);
  return m ? Number(m[1]) : undefined;
}

function resolveRef(root: Schema, ref: string): Schema {
  if (ref === '#') return root;
  const m = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref);
  const defs = m ? (root[m[1]] as Record<string, Schema> | undefined) : undefined;
  const target = m && defs ? defs[decodeURIComponent(m[2]).replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
  if (!target) throw new Error(`fake-api: cannot resolve $ref ${ref}`);
  return target;
}

function numberFor(schema: Schema, integer: boolean): number {
  const min = constraint(schema, 'minimum');
  const exclusiveMin = constraint(schema, 'exclusiveMinimum');
  const max = constraint(schema, 'maximum');
  let n = 0;
  if (min !== undefined && n < min) n = integer ? Math.ceil(min) : min;
  if (exclusiveMin !== undefined && n <= exclusiveMin) n = integer ? Math.floor(exclusiveMin) + 1 : exclusiveMin + 0.5;
  if (max !== undefined && n > max) n = integer ? Math.floor(max) : max;
  return n;
}

function instance(root: Schema, schema: Schema, depth: number): unknown {
  if (depth > MAX_DEPTH) return null;
  if (typeof schema.$ref === 'string') return instance(root, resolveRef(root, schema.$ref), depth + 1);
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  const variants = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (Array.isArray(variants) && variants.length > 0) return instance(root, variants[0], depth + 1);
  if (Array.isArray(schema.allOf)) {
    const parts = (schema.allOf as Schema[]).map((s) => instance(root, s, depth + 1));
    return parts.every((p) => p && typeof p === 'object' && !Array.isArray(p)) ? Object.assign({}, ...parts) : parts[0];
  }
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type];
  const type = types.find((t) => t !== 'null') ?? types[0];
  switch (type) {
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
      const out: Record<string, unknown> = {};
      for (const key of required) out[key] = properties[key] ? instance(root, properties[key], depth + 1) : null;
      return out;
    }
    case 'array': {
      const count = constraint(schema, 'minItems') ?? 0;
      const items = (schema.items ?? {}) as Schema;
      return Array.from({ length: count }, () => instance(root, items, depth + 1));
    }
    case 'string': {
      const format = typeof schema.format === 'string' ? FORMAT_SAMPLES[schema.format] : undefined;
      const minLength = constraint(schema, 'minLength') ?? 0;
      const s = format ?? '';
      return s.length >= minLength ? s : s + 'x'.repeat(minLength - s.length);
    }
    case 'integer':
      return numberFor(schema, true);
    case 'number':
      return numberFor(schema, false);
    case 'boolean':
      return false;
    default:
      return null;
  }
}

/** A minimal value valid against `schema` (a JSON Schema object as sent in `output_config.format.schema`). */
export function minimalInstance(schema: Record<string, unknown>): unknown {
  return instance(schema, schema, 0);
}
