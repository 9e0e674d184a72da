import { z } from "zod";
import { loginBody, refreshBody, registerBody, updateProfileBody } from "../domain/auth-input";
import { idOut, instantOut } from "./common";
import { BEARER, jsonBody, json, operation, problem, rateLimited, signedIn, withDatabase, withJsonBody } from "./operation";

/** Accounts and sessions: /api/auth. */

export const userSchema = z.strictObject({
  user_id: idOut,
  email: z.email(),
  name: z.string(),
  phone_number: z.string().nullable(),
  role: z.enum(["user", "organizer", "admin", "gate"]).describe("`gate`: staff of one event, made by its organizer (POST /api/events/{id}/gate-accounts)"),
  locale: z.string(),
  created_at: instantOut,
}).meta({ id: "User" });

export const sessionTokensSchema = z.strictObject({
  access_token: z.string().describe("An ES256 JWT (keys at /.well-known/jwks.json), valid `expires_in` seconds"),
  refresh_token: z.string().describe("Rotating: each refresh returns a new one; reusing an old one revokes the session"),
  token_type: z.literal("Bearer"),
  expires_in: z.int().min(1),
}).meta({ id: "SessionTokens" });

export const registeredSchema = z.strictObject({ user: userSchema, ...sessionTokensSchema.shape });
export const profileSchema = z.strictObject({
  user: userSchema,
  gate_event_id: idOut.nullable().describe("For a gate account, the one event it staffs (its scanner is /gate/{gate_event_id}); null for everyone else"),
});

const TAGS = ["Auth"];

export const authOperations = {
  register: operation({
    method: "post", path: "/api/auth/register", operationId: "register", tags: TAGS,
    summary: "Create an account and sign in",
    description: "Rate limited per IP. `account_type` is `user` (a fan, the default) or `organizer`.",
    request: { body: jsonBody(registerBody) },
    responses: {
      201: json(registeredSchema, "The account and its first session"),
      ...withJsonBody, 409: problem(409, ["email_taken"]), ...rateLimited, ...withDatabase,
    },
  }),
  login: operation({
    method: "post", path: "/api/auth/login", operationId: "login", tags: TAGS,
    summary: "Sign in with email and password",
    description: "Rate limited per IP and per account.",
    request: { body: jsonBody(loginBody) },
    responses: {
      200: json(sessionTokensSchema, "A new session"),
      ...withJsonBody, 401: problem(401, ["invalid_credentials"]), ...rateLimited, ...withDatabase,
    },
  }),
  refresh: operation({
    method: "post", path: "/api/auth/refresh", operationId: "refresh", tags: TAGS,
    summary: "Trade a refresh token for a new access token and refresh token",
    request: { body: jsonBody(refreshBody) },
    responses: {
      200: json(sessionTokensSchema, "The session's next tokens"),
      ...withJsonBody, 401: problem(401, ["invalid_refresh_token"]), ...withDatabase,
    },
  }),
  logout: operation({
    method: "post", path: "/api/auth/logout", operationId: "logout", tags: TAGS,
    summary: "Sign the session of a refresh token out (idempotent)",
    request: { body: jsonBody(refreshBody) },
    responses: { 204: { description: "Signed out (or already was)" }, ...withJsonBody, ...withDatabase },
  }),
  me: operation({
    method: "get", path: "/api/auth/me", operationId: "getProfile", tags: TAGS, security: BEARER, "x-roles": ["user", "gate"],
    summary: "The signed-in account",
    responses: { 200: json(profileSchema, "The account"), ...signedIn, 404: problem(404, ["not_found"]), ...withDatabase },
  }),
  updateMe: operation({
    method: "put", path: "/api/auth/me", operationId: "updateProfile", tags: TAGS, security: BEARER, "x-roles": ["user"],
    summary: "Change the signed-in account's name, phone number or locale",
    request: { body: jsonBody(updateProfileBody) },
    responses: { 200: json(profileSchema, "The account as changed"), ...withJsonBody, ...signedIn, 404: problem(404, ["not_found"]), ...withDatabase },
  }),
};
