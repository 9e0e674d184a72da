import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useForm } from "react-hook-form";
import type { z } from "zod";
import { authOperations } from "../../../src/contract/auth";
import { updateProfileBody } from "../../../src/domain/auth-input";
import { call, type Answer } from "../api/client";
import { buttonClass, Field } from "../components/field";
import { ProblemMessage } from "../components/problem-message";
import { useI18n } from "../i18n/i18n";
import { LANGUAGES } from "../i18n/messages";

type User = Answer<typeof authOperations.me>["user"];

/** A cleared phone field removes the number (the API takes null for that). */
const emptyIsNull = (v: unknown) => (typeof v === "string" && v.trim() === "" ? null : v);

/** The profile form, validated by the API's own schema (src/domain/auth-input.ts) through React Hook Form. */
function ProfileForm({ user }: { user: User }) {
  const { t, setLang } = useI18n();
  const queries = useQueryClient();
  const form = useForm({
    resolver: zodResolver(updateProfileBody),
    defaultValues: { name: user.name, phone_number: user.phone_number ?? null, locale: LANGUAGES.find((l) => l === user.locale) ?? "ko" },
  });
  const save = useMutation({
    mutationFn: (body: z.output<typeof updateProfileBody>) => call(authOperations.updateMe, { auth: true, body }),
    onSuccess: (r) => {
      queries.setQueryData(["me"], r);
      const chosen = LANGUAGES.find((l) => l === r.user.locale);
      if (chosen) setLang(chosen); // the account's language is the app's too
    },
  });
  const errors = form.formState.errors;
  const invalid = errors.root?.message;
  return (
    <form onSubmit={form.handleSubmit((body) => save.mutate(body))} noValidate>
      <Field id="profile-name" label={t("auth.name")} error={errors.name?.message} required {...form.register("name")} />
      <Field id="profile-phone" type="tel" label={t("auth.phone")} error={errors.phone_number?.message} {...form.register("phone_number", { setValueAs: emptyIsNull })} />
      <div className="mb-3 flex flex-col gap-1">
        <label htmlFor="profile-locale" className="font-medium">{t("profile.language")}</label>
        <select id="profile-locale" {...form.register("locale")} className="rounded border border-slate-400 bg-white px-2 py-1">
          <option value="ko">한국어</option>
          <option value="en">English</option>
        </select>
      </div>
      {invalid && <p role="alert" className="text-red-800">{t("error.validation_failed")} ({invalid})</p>}
      {save.error && <ProblemMessage error={save.error} onRetry={() => save.reset()} />}
      {save.isSuccess && <p role="status" className="mb-2 text-green-800">{t("profile.saved")}</p>}
      <button type="submit" className={buttonClass} disabled={save.isPending}>{t("profile.save")}</button>
    </form>
  );
}

export function ProfilePage() {
  const { t } = useI18n();
  const me = useQuery({ queryKey: ["me"], queryFn: () => call(authOperations.me, { auth: true }) });
  if (me.error) return <ProblemMessage error={me.error} onRetry={() => me.refetch()} />;
  if (!me.data) return <p role="status">{t("common.loading")}</p>;
  return (
    <section className="mx-auto max-w-sm">
      <h1 className="mb-4 text-2xl font-bold">{t("profile.title")}</h1>
      <p className="mb-3">{me.data.user.email}</p>
      <ProfileForm user={me.data.user} />
    </section>
  );
}
