import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import type { z } from "zod";
import { authOperations } from "../../../src/contract/auth";
import { loginBody, registerBody } from "../../../src/domain/auth-input";
import { call } from "../api/client";
import { session } from "../api/session";
import { buttonClass, Field } from "../components/field";
import { ProblemMessage } from "../components/problem-message";
import { useI18n } from "../i18n/i18n";

/** The field errors of a failed parse by the API's own schema, by field name. */
const fieldErrors = (error: z.ZodError): Record<string, string> =>
  Object.fromEntries(error.issues.map((i) => [String(i.path[0] ?? "(body)"), i.message]));

/** Where to go after signing in: only a path of this app (an open redirect otherwise). */
const safeNext = (next: string | null): string => (next && next.startsWith("/") && !next.startsWith("//") ? next : "/");

export function LoginPage() {
  const { t } = useI18n();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const login = useMutation({
    mutationFn: (body: z.input<typeof loginBody>) => call(authOperations.login, { body }),
    onSuccess: (tokens) => { session.set(tokens); navigate(safeNext(params.get("next"))); },
  });
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const parsed = loginBody.safeParse({ email: form.get("email"), password: form.get("password") });
    if (!parsed.success) return setErrors(fieldErrors(parsed.error));
    setErrors({});
    login.mutate(parsed.data);
  };
  return (
    <section className="mx-auto max-w-sm">
      <h1 className="mb-4 text-2xl font-bold">{t("auth.login")}</h1>
      <form onSubmit={submit} noValidate>
        <Field id="login-email" name="email" type="email" autoComplete="email" label={t("auth.email")} error={errors.email} required />
        <Field id="login-password" name="password" type="password" autoComplete="current-password" label={t("auth.password")} error={errors.password} required />
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
  const [errors, setErrors] = useState<Record<string, string>>({});
  const register = useMutation({
    mutationFn: (body: z.input<typeof registerBody>) => call(authOperations.register, { body }),
    onSuccess: (r) => { session.set(r); navigate(safeNext(params.get("next"))); },
  });
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const phone = String(form.get("phone_number") ?? "").trim();
    const body = { email: form.get("email"), password: form.get("password"), name: form.get("name"), locale: lang, ...(phone ? { phone_number: phone } : {}) };
    const parsed = registerBody.safeParse(body);
    if (!parsed.success) return setErrors(fieldErrors(parsed.error));
    setErrors({});
    register.mutate(parsed.data);
  };
  return (
    <section className="mx-auto max-w-sm">
      <h1 className="mb-4 text-2xl font-bold">{t("auth.register")}</h1>
      <form onSubmit={submit} noValidate>
        <Field id="reg-name" name="name" autoComplete="name" label={t("auth.name")} error={errors.name} required />
        <Field id="reg-email" name="email" type="email" autoComplete="email" label={t("auth.email")} error={errors.email} required />
        <Field id="reg-password" name="password" type="password" autoComplete="new-password" label={t("auth.password")} hint={t("auth.passwordHint")} error={errors.password} required />
        <Field id="reg-phone" name="phone_number" type="tel" autoComplete="tel" label={t("auth.phone")} error={errors.phone_number} />
        {register.error && <ProblemMessage error={register.error} onRetry={() => register.reset()} />}
        <button type="submit" className={buttonClass} disabled={register.isPending}>{t("auth.register")}</button>
      </form>
      <p className="mt-4">{t("auth.haveAccount")} <Link to={`/login?${params}`} className="text-indigo-800 underline">{t("auth.login")}</Link></p>
    </section>
  );
}
