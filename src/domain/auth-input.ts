import { z } from "zod";
import { text } from "./input";

/** Request bodies of /api/auth. */
/** An account's email: accounts are found by its lower-case form. */
export const accountEmail = z.email("must be an email address").max(254).transform((e) => e.toLowerCase());
const email = accountEmail;
const password = text({ min: 10, max: 128, trim: false });
const name = text({ min: 1, max: 100 });
const phone = z.string().regex(/^\+?[0-9 -]{7,20}$/, "must be a phone number");
const locale = z.enum(["ko", "en"]);
const refreshToken = text({ min: 1, max: 200, trim: false });

export const registerBody = z.strictObject({
  email, password, name, phone_number: phone.optional(), account_type: z.enum(["user", "organizer"]).default("user"), locale: locale.optional(),
});
export const loginBody = z.strictObject({ email, password: text({ min: 1, max: 128, trim: false }) });
export const refreshBody = z.strictObject({ refresh_token: refreshToken });
export const updateProfileBody = z.strictObject({ name: name.optional(), phone_number: phone.nullable().optional(), locale: locale.optional() })
  .refine((b) => Object.keys(b).length > 0, "nothing to update");
