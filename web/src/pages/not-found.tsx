import { Link } from "react-router";
import { useI18n } from "../i18n/i18n";

export function NotFoundPage() {
  const { t } = useI18n();
  return (
    <section>
      <h1 className="text-2xl font-bold">{t("notFound.title")}</h1>
      <Link to="/" className="mt-4 inline-block text-indigo-800 underline">{t("nav.home")}</Link>
    </section>
  );
}
