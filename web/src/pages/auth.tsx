import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation } from "@tanstack/react-query";
import { useForm } from "react-hook-form";
import { Link, useNavigate, useSearchParams } from "react-router";
import type { z } from "zod";
import { authOperations } from "../../../src/contract/auth";
import { loginBody, registerBody } from "../../../src/domain/auth-input";
import { call } from "../api/client";
import { session } from "../api/session";
import { buttonClass, Field } from "../components/field";
import { ProblemMessage } from "../components/problem-message";
import { useI18n } from "../i18n/i18n";

/** Where to go after signing in: only a path of this app (an open redirect otherwise). */
const safeNext = (next: string | null): string => (next && next.startsWith("/") && !next.startsWith("//") ? next : "/");

/** An optional text field: left empty, it is not sent (the API's schema refuses an empty phone number). */
export const emptyIsUnset = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);

// Both forms validate with the API's own request schemas (src/domain/auth-input.ts), through React Hook Form.

export function LoginPage() {
  const { t } = useI18n();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const form = useForm({ resolver: zodResolver(loginBody), defaultValues: { email: "", password: "" } });
  const login = useMutation({
    mutationFn: (body: z.output<typeof loginBody>) => call(authOperations.login, { body }),
    onSuccess: (tokens) => { session.set(tokens); navigate(safeNext(params.get("next"))); },
  });
  const errors = form.formState.errors;
  return (
    <section className="mx-auto max-w-sm">
      <h1 className="mb-4 text-2xl font-bold">{t("auth.login")}</h1>
      <form onSubmit={form.handleSubmit((body) => login.mutate(body))} noValidate>
        <Field id="login-email" type="email" autoComplete="email" label={t("auth.email")} error={errors.email?.message} required {...form.register("email")} />
        <Field id="login-password" type="password" autoComplete="current-password" label={t("auth.password")} error={errors.password?.message} required {...form.register("password")} />
        {login.error && <ProblemMessage error={login.error} onRetry={() => login.reset()} />}
        <button type="submit" className={buttonClass} disabled={login.isPending}>{t("auth.login")}</button>
      </form>
      <p className="mt-4">{t("auth.noAccount")} <Link to={`/register?${params}`} className="text-indigo-800 underline">{t("auth.register")}</Link></p>
    </section>
  );
}

export function RegisterPage() {
  const { t, lang } = useI18n();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const form = useForm({ resolver: zodResolver(registerBody), defaultValues: { email: "", password: "", name: "" } });
  const register = useMutation({
    mutationFn: (body: z.output<typeof registerBody>) => call(authOperations.register, { body }),
    onSuccess: (r) => { session.set(r); navigate(safeNext(params.get("next"))); },
  });
  const errors = form.formState.errors;
  // The account's language is the one the fan is using the app in.
  const submit = form.handleSubmit((body) => register.mutate({ ...body, locale: lang }));
  return (
    <section className="mx-auto max-w-sm">
      <h1 className="mb-4 text-2xl font-bold">{t("auth.register")}</h1>
      <form onSubmit={submit} noValidate>
        <Field id="reg-name" autoComplete="name" label={t("auth.name")} error={errors.name?.message} required {...form.register("name")} />
        <Field id="reg-email" type="email" autoComplete="email" label={t("auth.email")} error={errors.email?.message} required {...form.register("email")} />
        <Field id="reg-password" type="password" autoComplete="new-password" label={t("auth.password")} hint={t("auth.passwordHint")} error={errors.password?.message} required {...form.register("password")} />
        <Field id="reg-phone" type="tel" autoComplete="tel" label={t("auth.phone")} error={errors.phone_number?.message} {...form.register("phone_number", { setValueAs: emptyIsUnset })} />
        {register.error && <ProblemMessage error={register.error} onRetry={() => register.reset()} />}
        <button type="submit" className={buttonClass} disabled={register.isPending}>{t("auth.register")}</button>
      </form>
      <p className="mt-4">{t("auth.haveAccount")} <Link to={`/login?${params}`} className="text-indigo-800 underline">{t("auth.login")}</Link></p>
    </section>
  );
}
