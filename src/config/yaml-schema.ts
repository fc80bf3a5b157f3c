// Structure of the YAML file (both layouts). Only the shape is checked here: unknown keys are
// errors so a typo can never silently drop a policy. Scalar values are parsed later with the
// same parsers the environment uses, so `10MB` means the same thing everywhere.
import { z } from "zod";
import { POLICY_FIELDS } from "./policy-fields.ts";

const scalar = z.unknown().optional();

/** Keys under `policy:`: one per row of the policy-field table. */
export const YamlPolicySchema = z
  .object(Object.fromEntries(Object.values(POLICY_FIELDS).map((row) => [row.yaml, scalar])))
  .strict();

export const YamlConnectionSchema = z
  .object({
    name: scalar,
    region: scalar,
    endpoint: scalar,
    path_style: scalar,
    use_path_style: scalar,
    disable_ssl: scalar,
    access_key_id: scalar,
    secret_access_key: scalar,
    session_token: scalar,
    profile: scalar,
    timeout: scalar,
    public_endpoint: scalar,
    policy: YamlPolicySchema.optional(),
  })
  .strict();

/** The Go predecessor's `extensions:` block. */
export const YamlExtensionsSchema = z
  .object({
    read_only: scalar,
    readonly: scalar,
    size_limit: scalar,
    sizelimit: scalar,
    size_limits: scalar,
    max_get_size: scalar,
    max_put_size: scalar,
    prefix_acl: scalar,
    allowed_prefixes: scalar,
    denied_prefixes: scalar,
    logging: scalar,
    audit: scalar,
    audit_file: scalar,
  })
  .strict();

/** §8: only used by `serve --http`, but checked whenever the file is read (typos are errors). */
export const YamlHttpSchema = z
  .object({
    listen: scalar,
    allowed_hosts: scalar,
    allowed_origins: scalar,
    call_timeout: scalar,
    auth: z
      .object({
        mode: scalar,
        issuer: scalar,
        audience: scalar,
        jwks_uri: scalar,
        required_scopes: scalar,
        algorithms: scalar,
      })
      .strict()
      .optional(),
    principals: z
      .array(
        z
          .object({
            match: z
              .object({ sub: scalar, client_id: scalar, scope: scalar, claims: scalar })
              .strict()
              .optional(),
            connections: scalar,
            policy: YamlPolicySchema.optional(),
          })
          .strict(),
      )
      .optional(),
    require_principal: scalar,
  })
  .strict();

export const YamlFileSchema = z
  .object({
    default_connection: scalar,
    connections: z
      .union([z.record(z.string(), YamlConnectionSchema), z.array(YamlConnectionSchema)])
      .optional(),
    policy: YamlPolicySchema.optional(),
    audit: z.object({ enabled: scalar, file: scalar }).strict().optional(),
    logging: scalar,
    http: YamlHttpSchema.optional(),
    // Go predecessor layout
    connection: YamlConnectionSchema.optional(),
    additional_connections: z.record(z.string(), YamlConnectionSchema).optional(),
    extensions: YamlExtensionsSchema.optional(),
  })
  .strict();

export type YamlFile = z.infer<typeof YamlFileSchema>;
export type YamlConnection = z.infer<typeof YamlConnectionSchema>;
export type YamlPolicy = z.infer<typeof YamlPolicySchema>;
export type YamlHttp = z.infer<typeof YamlHttpSchema>;
