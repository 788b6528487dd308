// A minimal OpenID Connect issuer for the browser test: discovery, keys,
// an authorization endpoint that signs in one fixed person at once, and a
// token endpoint that checks PKCE and returns a signed ID token. The
// server under test talks to it over real HTTP, as to any provider.
import { createHash, generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** The person every sign-in at this issuer is. */
export interface Person {
  /** The subject (the user's id at the issuer). */
  sub: string;
  /** A verified email. */
  email: string;
  /** The display name. */
  name: string;
}

/** A running issuer. */
export interface Issuer {
  /** The issuer URL (also its discovery base). */
  url: string;
  /** The client id the server is registered with. */
  clientId: string;
  /** That client's secret. */
  clientSecret: string;
  /** How many ID tokens were issued. */
  issued(): number;
  /** Stops the issuer. */
  close(): Promise<void>;
}

/**
 * Starts an issuer that signs in person. callback(): the server's real
 * `/auth/callback` URL, where the authorization endpoint sends the
 * browser (the server is configured with a placeholder redirect URL,
 * since its port is only known once it listens).
 */
export async function startIssuer(person: Person, callback: () => string): Promise<Issuer> {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = randomBytes(8).toString("hex");
  const clientId = "pyairtable-web";
  const clientSecret = randomBytes(16).toString("hex");
  const codes = new Map<string, { nonce: string; challenge: string }>();
  let issued = 0;
  let url = "";

  const jwt = (claims: object): string => {
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const data = `${part({ alg: "RS256", typ: "JWT", kid })}.${part(claims)}`;
    return `${data}.${sign("sha256", Buffer.from(data), privateKey).toString("base64url")}`;
  };

  const server: Server = createServer((req, res) => {
    const u = new URL(req.url ?? "/", url);
    const json = (status: number, body: object) => {
      res.writeHead(status, { "Content-Type": "application/json", "Cache-Control": "no-store" });
      res.end(JSON.stringify(body));
    };
    if (req.method === "GET" && u.pathname === "/.well-known/openid-configuration") {
      return json(200, {
        issuer: url,
        authorization_endpoint: `${url}/authorize`,
        token_endpoint: `${url}/token`,
        jwks_uri: `${url}/jwks`,
        response_types_supported: ["code"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ["RS256"],
        code_challenge_methods_supported: ["S256"],
      });
    }
    if (req.method === "GET" && u.pathname === "/jwks") {
      return json(200, { keys: [{ ...publicKey.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" }] });
    }
    if (req.method === "GET" && u.pathname === "/authorize") {
      const q = u.searchParams;
      if (q.get("client_id") !== clientId || q.get("response_type") !== "code" || q.get("code_challenge_method") !== "S256") {
        return json(400, { error: "invalid_request" });
      }
      const code = randomBytes(16).toString("hex");
      codes.set(code, { nonce: q.get("nonce") ?? "", challenge: q.get("code_challenge") ?? "" });
      const back = new URL(callback());
      back.searchParams.set("code", code);
      back.searchParams.set("state", q.get("state") ?? "");
      res.writeHead(302, { Location: back.toString() });
      return res.end();
    }
    if (req.method === "POST" && u.pathname === "/token") {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString("utf8")));
      req.on("end", () => {
        const form = new URLSearchParams(body);
        const basic = Buffer.from((req.headers.authorization ?? "").replace(/^Basic /, ""), "base64").toString("utf8");
        const [id, secret] = basic.includes(":") ? basic.split(":").map(decodeURIComponent) : [form.get("client_id"), form.get("client_secret")];
        const grant = codes.get(form.get("code") ?? "");
        codes.delete(form.get("code") ?? "");
        const verifier = form.get("code_verifier") ?? "";
        if (id !== clientId || secret !== clientSecret) {
          return json(401, { error: "invalid_client" });
        }
        if (grant === undefined || createHash("sha256").update(verifier).digest("base64url") !== grant.challenge) {
          return json(400, { error: "invalid_grant" });
        }
        const now = Math.floor(Date.now() / 1000);
        issued++;
        json(200, {
          access_token: randomBytes(16).toString("hex"),
          token_type: "Bearer",
          expires_in: 300,
          id_token: jwt({ iss: url, sub: person.sub, aud: clientId, iat: now, exp: now + 300, nonce: grant.nonce, email: person.email, email_verified: true, name: person.name }),
        });
      });
      return;
    }
    json(404, { error: "not_found" });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    clientId,
    clientSecret,
    issued: () => issued,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
