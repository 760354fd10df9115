// Request and response schemas of reports and moderation. Responses are serialized through these:
// a field missing here never reaches a client.
import { Type } from '@fastify/type-provider-typebox';
import { Nullable, PublicUserSchema } from '../../http/schemas.js';
import { LIMITS } from '../../shared/api.js';

export const REPORT_NOTE_MAX = 1000;
export const MODERATION_REASON_MAX = 500;

const Id = (what: string) => Type.String({ pattern: '^[0-9]{1,18}$', description: `${what} ids are numbers.` });

const TargetType = Type.Union([Type.Literal('photo'), Type.Literal('comment'), Type.Literal('message'), Type.Literal('user')], {
  description: '`target.type` is photo, comment, message (a chat message) or user.',
});
const Reason = Type.Union(
  [Type.Literal('spam'), Type.Literal('harassment'), Type.Literal('nudity'), Type.Literal('violence'), Type.Literal('illegal'), Type.Literal('other')],
  { description: '`reason` is spam, harassment, nudity, violence, illegal or other.' },
);
const Status = Type.Union([Type.Literal('open'), Type.Literal('dismissed'), Type.Literal('removed'), Type.Literal('suspended')]);
const Target = Type.Object({ type: TargetType, id: Type.String() });

export const ReportSchema = Type.Object({
  id: Type.String(),
  target: Target,
  reason: Reason,
  note: Type.String(),
  status: Status,
  createdAt: Type.String(),
});

export const CreateReportBody = Type.Object({
  target: Type.Object({ type: TargetType, id: Id('Target') }),
  reason: Reason,
  note: Type.Optional(
    Type.String({ maxLength: REPORT_NOTE_MAX * 4, description: `\`note\` is at most ${REPORT_NOTE_MAX} characters of plain text.` }),
  ),
});

export const ReportReply = Type.Object({ report: ReportSchema });

export const ModerationActionSchema = Type.Object({
  id: Type.String(),
  action: Type.Union([Type.Literal('dismiss'), Type.Literal('remove'), Type.Literal('suspend'), Type.Literal('unsuspend'), Type.Literal('role')]),
  actor: Nullable(PublicUserSchema),
  target: Nullable(Target),
  targetUser: Nullable(PublicUserSchema),
  reportId: Nullable(Type.String()),
  reason: Type.String({ description: 'Why; for `role`, the role the user holds now.' }),
  until: Nullable(Type.String({ description: 'For `suspend`: when it ends; null is indefinitely.' })),
  createdAt: Type.String(),
});

export const ModerationItemSchema = Type.Object({
  report: Type.Object({
    ...ReportSchema.properties,
    reporter: Nullable(PublicUserSchema),
    resolvedBy: Nullable(PublicUserSchema),
    resolvedAt: Nullable(Type.String()),
  }),
  content: Type.Object({
    type: TargetType,
    id: Type.String(),
    author: Nullable(PublicUserSchema),
    text: Type.String({ description: "The photo's caption, the comment's or message's text, the user's bio; empty once gone." }),
    thumb: Nullable(Type.String({ description: "The photo's thumb (for a comment: the photo it is on)." })),
    context: Nullable(Type.String({ description: "The photo id of a comment, the chat room of a message." })),
    gone: Type.Boolean({ description: 'Deleted or removed since it was reported.' }),
  }),
  earlier: Type.Array(ReportSchema, { description: 'Earlier reports of the same target, newest first (at most 10).' }),
  actions: Type.Array(ModerationActionSchema, { description: 'Earlier actions about the author, newest first (at most 10).' }),
  suspended: Type.Boolean({ description: 'The author is suspended now.' }),
  suspendedUntil: Nullable(Type.String({ description: 'When the suspension ends; null while not suspended or suspended indefinitely.' })),
});

export const ResultSchema = Type.Object({
  action: Nullable(ModerationActionSchema),
  resolved: Type.Array(Type.String(), { description: 'The reports taken out of the queue (each announced as `report.resolved`).' }),
});

export const SuspendReply = Type.Object({
  action: Nullable(ModerationActionSchema),
  resolved: Type.Array(Type.String()),
  user: PublicUserSchema,
  suspended: Type.Boolean(),
  until: Nullable(Type.String({ description: 'When the suspension ends; null is indefinitely (or none, when `suspended` is false).' })),
});

export const QueueQuery = Type.Object({
  status: Type.Optional(Status),
  limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$', description: '`limit` is a number from 1 to 100.' })),
  before: Type.Optional(Type.String({ maxLength: 500, description: '`before` must be a cursor from a previous page (its `next`).' })),
});

export const ActionsQuery = Type.Object({
  user: Type.Optional(Type.String({ pattern: LIMITS.usernamePattern, description: '`user`: only the actions about this username.' })),
  limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$', description: '`limit` is a number from 1 to 100.' })),
  before: Type.Optional(Type.String({ maxLength: 500, description: '`before` must be a cursor from a previous page (its `next`).' })),
});

export const ReportParams = Type.Object({ id: Id('Report') });
export const UserParams = Type.Object({
  username: Type.String({ pattern: LIMITS.usernamePattern, description: 'Usernames are 3 to 30 lowercase letters, digits and underscores.' }),
});

export const DismissBody = Type.Object({
  reason: Type.Optional(Type.String({ maxLength: MODERATION_REASON_MAX * 4, description: `\`reason\` is at most ${MODERATION_REASON_MAX} characters.` })),
});
export const RemoveBody = Type.Object({
  reason: Type.String({
    maxLength: MODERATION_REASON_MAX * 4,
    description: `\`reason\` is required: 1 to ${MODERATION_REASON_MAX} characters, shown to the author in their notification.`,
  }),
});
export const SuspendBody = Type.Object({
  until: Type.Optional(
    Nullable(Type.String({ maxLength: 40, description: '`until` is an ISO 8601 time in the future, or null (or left out) for indefinitely.' })),
  ),
  reason: Type.String({ maxLength: MODERATION_REASON_MAX * 4, description: `\`reason\` is required: 1 to ${MODERATION_REASON_MAX} characters.` }),
  reportId: Type.Optional(Id('Report')),
});
