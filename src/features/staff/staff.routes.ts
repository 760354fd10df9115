import type { AppInstance } from '../../http/types.js';
import { requireAdmin } from '../accounts/viewer.js';
import { RoleBody, RoleParams, RoleReply, StaffReply } from './staff.schemas.js';
import type { StaffService } from './staff.service.js';

const ADMINS_ONLY = 'Only admins can manage roles.';

export function staffRoutes(app: AppInstance, staff: StaffService): void {
  const tags = ['invites and roles'];

  app.get(
    '/api/admin/staff',
    { schema: { tags, summary: 'Admins and moderators, admins first (admins only).', response: { 200: StaffReply } } },
    async (req) => {
      requireAdmin(req.viewer, ADMINS_ONLY);
      return { items: await staff.list() };
    },
  );

  app.put(
    '/api/admin/users/:username/role',
    {
      schema: {
        tags,
        summary: "Set a user's role: admin, moderator or member (admins only).",
        description:
          'Each change is written to the audit log (action `role`) and reconnects the user’s open sockets with the new rights. ' +
          '400 for your own admin role, 409 for an admin by ADMIN_USERS. Rate limited per admin.',
        params: RoleParams,
        body: RoleBody,
        response: { 200: RoleReply },
      },
    },
    async (req) => {
      const admin = requireAdmin(req.viewer, ADMINS_ONLY);
      return staff.setRole(admin, req.params.username, req.body.role);
    },
  );
}
