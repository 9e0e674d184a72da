import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { authOperations } from "../../../src/contract/auth";
import { updateProfileBody } from "../../../src/domain/auth-input";
import { call } from "../api/client";
import { buttonClass, Field } from "../components/field";
import { ProblemMessage } from "../components/problem-message";
import { useI18n } from "../i18n/i18n";
import { LANGUAGES } from "../i18n/messages";

export function ProfilePage() {
  const { t, setLang } = useI18n();
  const queries = useQueryClient();
  const me = useQuery({ queryKey: ["me"], queryFn: () => call(authOperations.me, { auth: true }) });
  const [invalid, setInvalid] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: (body: Parameters<typeof updateProfileBody.parse>[0]) => call(authOperations.updateMe, { auth: true, body }),
    onSuccess: (r) => {
      queries.setQueryData(["me"], r);
      const chosen = LANGUAGES.find((l) => l === r.user.locale);
      if (chosen) setLang(chosen); // the account's language is the app's too
    },
  });
  if (me.error) return <ProblemMessage error={me.error} onRetry={() => me.refetch()} />;
  if (!me.data) return <p role="status">{t("common.loading")}</p>;
  const user = me.data.user;
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const phone = String(form.get("phone_number") ?? "").trim();
    const parsed = updateProfileBody.safeParse({ name: form.get("name"), phone_number: phone || null, locale: form.get("locale") });
    if (!parsed.success) return setInvalid(parsed.error.issues[0]?.message ?? "");
    setInvalid(null);
    save.mutate(parsed.data);
  };
  return (
    <section className="mx-auto max-w-sm">
      <h1 className="mb-4 text-2xl font-bold">{t("profile.title")}</h1>
      <p className="mb-3">{user.email}</p>
      <form onSubmit={submit} noValidate>
        <Field id="profile-name" name="name" label={t("auth.name")} defaultValue={user.name} required />
        <Field id="profile-phone" name="phone_number" type="tel" label={t("auth.phone")} defaultValue={user.phone_number ?? ""} />
        <div className="mb-3 flex flex-col gap-1">
          <label htmlFor="profile-locale" className="font-medium">{t("profile.language")}</label>
          <select id="profile-locale" name="locale" defaultValue={user.locale} className="rounded border border-slate-400 bg-white px-2 py-1">
            <option value="ko">한국어</option>
            <option value="en">English</option>
          </select>
        </div>
        {invalid && <p role="alert" className="text-red-800">{t("error.validation_failed")} ({invalid})</p>}
        {save.error && <ProblemMessage error={save.error} onRetry={() => save.reset()} />}
        {save.isSuccess && <p role="status" className="mb-2 text-green-800">{t("profile.saved")}</p>}
        <button type="submit" className={buttonClass} disabled={save.isPending}>{t("profile.save")}</button>
      </form>
    </section>
  );
}
