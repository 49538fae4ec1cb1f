/**
 * The bodies of the queue administration routes (`/v1/queues`), derived from the wire's QueueInfo
 * so that a queue made over REST obeys the same limits as the one the protocol carries.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { QueueInfo } from '../../protocol/queues.js';

const { queID, name, desc, prio } = QueueInfo.properties;

/** POST /v1/queues: a new queue; without queID it gets the next free one, without desc '' and without prio 0. */
export const QueueCreateBody = Type.Object(
  { queID: Type.Optional(queID), name, desc: Type.Optional(desc), prio: Type.Optional(prio) },
  { additionalProperties: false },
);
export type QueueCreateBody = Static<typeof QueueCreateBody>;

/** PATCH /v1/queues/:id: what changes (at least one field); the queID does not. */
export const QueueChangeBody = Type.Object(
  { name: Type.Optional(name), desc: Type.Optional(desc), prio: Type.Optional(prio) },
  { additionalProperties: false, minProperties: 1 },
);
export type QueueChangeBody = Static<typeof QueueChangeBody>;

export const CREATE_EXAMPLE = '{"name": "Sales", "desc": "new customers", "prio": 0} (queID optional)';
export const CHANGE_EXAMPLE = '{"name": "Sales", "desc": "new customers", "prio": 1} (any of them)';

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

function parser<S extends TSchema>(schema: S, example: string): (text: string) => Parsed<Static<S>> {
  const check = TypeCompiler.Compile(schema);
  return (text) => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return { ok: false, message: `the body is not JSON: send ${example}` };
    }
    if (check.Check(value)) return { ok: true, value };
    const first = check.Errors(value).First();
    const where = first?.path ? `${first.path.slice(1)}: ` : '';
    const what = first ? first.message.toLowerCase() : 'is invalid';
    return { ok: false, message: `${where}${what}; send ${example}` };
  };
}

export const parseQueueCreate = parser(QueueCreateBody, CREATE_EXAMPLE);
export const parseQueueChange = parser(QueueChangeBody, CHANGE_EXAMPLE);
