import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { z } from "zod";
import { AdminNav } from "~/components/admin-nav";
import { PROVINCES, PROVINCE_SLUGS } from "#models/reference/provinces";
import { ROLES } from "#models/reference/roles";
import { requireRole } from "~/utils/auth.server";
import { validateCsrf } from "~/utils/csrf.server";
import { parseForm, readFormData } from "~/utils/forms.server";
import { getFixedT, getLanguage } from "~/utils/i18n.server";
import { redirectWithToast } from "~/utils/session.server";
import { listUsers, recordAudit, setUserRole } from "~/utils/domain.server";

export const meta: MetaFunction = () => [{ title: "Quản trị người dùng · Users — Góp Sức" }];

const roleSchema = z
  .object({
    userId: z.string().regex(/^[a-f0-9]{24}$/, "validation.invalidChoice"),
    role: z.enum(ROLES, { errorMap: () => ({ message: "validation.invalidChoice" }) }),
    provinceSlug: z
      .string()
      .optional()
      .transform((value) => value || null)
      .refine((value) => value === null || (PROVINCE_SLUGS as readonly string[]).includes(value), "validation.invalidChoice"),
  })
  .refine((value) => value.role !== "province_officer" || value.provinceSlug, { path: ["provinceSlug"], message: "admin.provinceRequired" });

export async function loader({ request }: LoaderFunctionArgs) {
  await requireRole(request, ["admin"]);
  const page = Math.max(1, Number(new URL(request.url).searchParams.get("page")) || 1);
  return json({ ...(await listUsers({ page })), page, language: await getLanguage(request) });
}

export async function action({ request }: ActionFunctionArgs) {
  const admin = await requireRole(request, ["admin"]);
  const formData = await readFormData(request);
  await validateCsrf(formData, request.headers);
  const t = await getFixedT(request);
  const parsed = parseForm(roleSchema, formData);
  if (!parsed.ok) {
    const message = Object.values(parsed.errors)[0]?.[0] ?? "validation.fixErrors";
    return redirectWithToast("/admin/users", { type: "error", message: t(message) });
  }
  const { userId, role, provinceSlug } = parsed.data;
  if (userId === admin.id && role !== "admin") return redirectWithToast("/admin/users", { type: "error", message: t("admin.cannotDemoteSelf") });
  const result = await setUserRole(userId, { role, provinceSlug: role === "province_officer" ? provinceSlug : null });
  if (!result) throw new Response("errors.notFound", { status: 404 });
  await recordAudit({ actor: admin, action: "user.role.set", subjectType: "User", subjectId: userId, details: { role, provinceSlug } });
  return redirectWithToast("/admin/users", { type: "success", message: t("admin.saved", { email: result.email }) });
}

export default function AdminUsersPage() {
  const { users, total } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  return (
    <section>
      <AdminNav />
      <h1>{t("admin.usersTitle")}</h1>
      <p className="muted">{t("admin.total", { count: total })}</p>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">{t("admin.name")}</th>
              <th scope="col">{t("admin.email")}</th>
              <th scope="col">{t("admin.role")}</th>
            </tr>
          </thead>
          <tbody>
            {users.map((user) => (
              <tr key={user.id}>
                <td>{user.name}</td>
                <td>{user.email}</td>
                <td>
                  <Form method="post" className="inline-form">
                    <AuthenticityTokenInput />
                    <input type="hidden" name="userId" value={user.id} />
                    <label className="visually-hidden" htmlFor={`role-${user.id}`}>
                      {t("admin.role")}
                    </label>
                    <select id={`role-${user.id}`} name="role" defaultValue={user.role}>
                      {ROLES.map((role) => (
                        <option key={role} value={role}>
                          {t(`roles.${role}`)}
                        </option>
                      ))}
                    </select>
                    <label className="visually-hidden" htmlFor={`province-${user.id}`}>
                      {t("admin.province")}
                    </label>
                    <select id={`province-${user.id}`} name="provinceSlug" defaultValue={user.provinceSlug ?? ""}>
                      <option value="">—</option>
                      {PROVINCES.map((province) => (
                        <option key={province.slug} value={province.slug}>
                          {province.name}
                        </option>
                      ))}
                    </select>
                    <button type="submit" className="button button-small">
                      {t("admin.save")}
                    </button>
                  </Form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
