// Verify a Vouchsafe grant with the npm `jose` package, as a brand's Node back end would.
// Usage: node verify_jose.mjs CASES.json   (same CASES.json as verify_pyjwt.py)
// Prints {"accepted": claims, "rejected": {case: error code}}; a bad token accepted exits 1.
import { readFileSync } from "node:fs";
import { importJWK, jwtVerify } from "jose";

const cases = JSON.parse(readFileSync(process.argv[2], "utf8"));
const key = await importJWK(cases.jwk, "EdDSA");
const { audience, issuer, good } = cases;
const options = (extra = {}) => ({
  algorithms: ["EdDSA", "Ed25519"],
  typ: "vnd.vouchsafe.grant+jwt",
  audience,
  issuer,
  requiredClaims: ["exp", "iat", "iss", "sub", "aud", "jti"],
  ...extra,
});

const b64 = (s) => Buffer.from(s).toString("base64url");
const unb64 = (s) => JSON.parse(Buffer.from(s, "base64url").toString("utf8"));
const [h, p, s] = good.split(".");
const header = unb64(h);
const payload = unb64(p);

const { payload: claims } = await jwtVerify(good, key, options());

const attempts = {
  tampered_payload: () => jwtVerify([h, b64(JSON.stringify({ ...payload, email: "attacker@example.com" })), s].join("."), key, options()),
  alg_none: () => jwtVerify([b64(JSON.stringify({ ...header, alg: "none" })), p, ""].join("."), key, options()),
  alg_hs256: () => jwtVerify([b64(JSON.stringify({ ...header, alg: "HS256" })), p, s].join("."), key, options()),
  wrong_typ: () => jwtVerify([b64(JSON.stringify({ ...header, typ: "JWT" })), p, s].join("."), key, options()),
  wrong_audience: () => jwtVerify(good, key, options({ audience: "someone-else" })),
  wrong_issuer: () => jwtVerify(good, key, options({ issuer: "urn:ietf:params:oauth:jwk-thumbprint:sha-256:xyz" })),
  expired: () => jwtVerify(good, key, options({ currentDate: new Date((payload.exp + 3600) * 1000) })),
  not_yet_valid: () => jwtVerify(good, key, options({ currentDate: new Date((payload.nbf - 3600) * 1000) })),
  other_brand_key: () => jwtVerify(cases.other_key, key, options()),
};

const rejected = {};
for (const [name, attempt] of Object.entries(attempts)) {
  try {
    await attempt();
  } catch (e) {
    rejected[name] = e.code ?? e.name;
    continue;
  }
  console.log(JSON.stringify({ error: `${name} was accepted` }));
  process.exit(1);
}
console.log(JSON.stringify({ accepted: claims, rejected }));
