import type { MetaFunction } from "@remix-run/node";
import { useTranslation } from "react-i18next";

export const meta: MetaFunction = () => [
  { title: "Góp Sức — học tập suốt đời ở thư viện, bảo tàng, trung tâm văn hóa" },
  { name: "description", content: "Huy động nguồn lực xã hội hóa cho học tập suốt đời — Supporting lifelong learning in Vietnam." },
];

export default function HomePage() {
  const { t } = useTranslation();
  return (
    <>
      <section className="hero">
        <h1>{t("home.title")}</h1>
        <p className="lead">{t("home.lead")}</p>
      </section>
      <section aria-labelledby="how-title" className="how">
        <h2 id="how-title">{t("home.howTitle")}</h2>
        <ol className="steps">
          <li>
            <h3>{t("home.how1Title")}</h3>
            <p>{t("home.how1")}</p>
          </li>
          <li>
            <h3>{t("home.how2Title")}</h3>
            <p>{t("home.how2")}</p>
          </li>
          <li>
            <h3>{t("home.how3Title")}</h3>
            <p>{t("home.how3")}</p>
          </li>
        </ol>
      </section>
    </>
  );
}
