import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { env } from "~/utils/env.server";
import { OPEN_DATA_RESOURCES, RESOURCES } from "~/utils/open-data.server";

export const meta: MetaFunction = () => [{ title: "Dữ liệu mở · Open data — Góp Sức" }];

/** /transparency/data — the open data package: what each table holds, its columns, and the downloads. Public. */
export async function loader(_args: LoaderFunctionArgs) {
  return json({
    packageUrl: `${env().APP_URL.replace(/\/+$/, "")}/transparency/data/datapackage.json`,
    resources: OPEN_DATA_RESOURCES.map((name) => ({ name, fields: RESOURCES[name].fields.map((f) => ({ name: f.name, type: f.type, description: f.description })) })),
  });
}

export default function OpenDataPage() {
  const { packageUrl, resources } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  return (
    <section className="stack">
      <p>
        <Link to="/transparency">← {t("transparency.dashboard.title", { defaultValue: "Minh bạch" })}</Link>
      </p>
      <div>
        <h1>{t("openData.title")}</h1>
        <p className="lead-text muted">{t("openData.lead")}</p>
      </div>
      <p>
        <a className="button" href="/transparency/data/datapackage.json" data-testid="datapackage-link">
          {t("openData.package")}
        </a>
      </p>
      <p className="field-hint">
        <code>{t("openData.howTo", { url: packageUrl })}</code>
      </p>
      {resources.map((resource) => (
        <section key={resource.name} className="card stack" aria-labelledby={`res-${resource.name}`}>
          <h2 id={`res-${resource.name}`}>{resource.name}.csv</h2>
          <p>{t(`openData.resources.${resource.name}`)}</p>
          <p>
            <a href={`/transparency/data/${resource.name}.csv`} download data-testid={`download-${resource.name}`}>
              {t("openData.download", { name: resource.name })}
            </a>
          </p>
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">{resource.name}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("openData.field")}</th>
                  <th scope="col">{t("openData.type")}</th>
                  <th scope="col">{t("openData.description")}</th>
                </tr>
              </thead>
              <tbody>
                {resource.fields.map((field) => (
                  <tr key={field.name}>
                    <td>
                      <code>{field.name}</code>
                    </td>
                    <td>{field.type}</td>
                    <td>{field.description}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ))}
      <p className="muted">{t("openData.license")}</p>
      <p>
        <Link to="/transparency/ledger">{t("openData.checkable")}</Link>
      </p>
    </section>
  );
}
