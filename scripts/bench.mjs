// Figures for the README and issue notes; never assertions. Loopback only, bounded request counts.
import { brotliCompressSync, constants } from "node:zlib";
import { readFileSync } from "node:fs";
import http from "node:http";

const [base, siteRoot, serverPid] = process.argv.slice(2);
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function request(method, path, { body, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(base + path, { method, agent, headers }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    if (body) req.write(body);
    req.end();
  });
}

const brotli = (buf) =>
  brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;

// A buyer's first load: fulfillment, then /activate with the session cookie.
const minted = await request("POST", "/_sim/aws/tokens", {
  body: JSON.stringify({ aws_account_id: "123456789012" }),
  headers: { "content-type": "application/json" },
});
const { token } = JSON.parse(minted.body.toString());
const fulfilled = await request("POST", "/marketplace/aws", {
  body: new URLSearchParams({ "x-amzn-marketplace-token": token }).toString(),
  headers: { "content-type": "application/x-www-form-urlencoded" },
});
const cookie = String(fulfilled.headers["set-cookie"]).split(";")[0];
const page = await request("GET", "/activate", { headers: { cookie } });

// Every asset the page names (cargo-leptos hashes their names), fetched as a browser that accepts brotli
// would: the bytes sent, against the raw bytes and what brotli at quality 11 would make of them.
const html = page.body.toString();
const urls = [...new Set([...html.matchAll(/\/pkg\/[A-Za-z0-9_.-]+\.(?:js|wasm|css)/g)].map((m) => m[0]))];
const br = { "accept-encoding": "br, gzip" };
const pageSent = await request("GET", "/activate", { headers: { cookie, ...br } });
const rows = [["HTML /activate", page.body, pageSent]];
for (const url of urls) {
  const sent = await request("GET", url, { headers: br });
  rows.push([url, readFileSync(`${siteRoot}${url}`), sent]);
}
const kb = (n) => (n / 1024).toFixed(1).padStart(8);
console.log("\nFirst load of /activate (release build), as sent to a browser that accepts br");
console.log(`${"asset".padEnd(34)}${"raw KB".padStart(8)}${"br-11 KB".padStart(10)}${"sent KB".padStart(9)}  encoding  cache-control`);
let raw = 0, ideal = 0, sent = 0;
for (const [name, buf, res] of rows) {
  const b = brotli(buf);
  raw += buf.length; ideal += b; sent += res.body.length;
  const enc = (res.headers["content-encoding"] ?? "none").padEnd(8);
  console.log(`${name.padEnd(34)}${kb(buf.length)}${kb(b).padStart(10)}${kb(res.body.length).padStart(9)}  ${enc}  ${res.headers["cache-control"] ?? ""}`);
}
console.log(`${"total".padEnd(34)}${kb(raw)}${kb(ideal).padStart(10)}${kb(sent).padStart(9)}   budget 185.0 KB: ${((sent / (185 * 1024)) * 100).toFixed(0)}% used`);
console.log(`returning visit (assets cached, immutable): ${kb(pageSent.body.length).trim()} KB sent`);

async function load(name, path, headers, total = 2000, concurrency = 8) {
  const latencies = [];
  let next = 0, failures = 0;
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) {
      next++;
      const t0 = process.hrtime.bigint();
      const res = await request("GET", path, { headers });
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (res.status !== 200) failures++;
    }
  }));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  latencies.sort((a, b) => a - b);
  const p = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(2);
  console.log(`${name.padEnd(34)}${(total / seconds).toFixed(0).padStart(8)} req/s   p50 ${p(0.5)} ms   p99 ${p(0.99)} ms   non-200: ${failures}`);
}
console.log(`\nLoopback load (2000 requests, 8 concurrent, keep-alive)`);
await load("GET /healthz", "/healthz", {});
await load("GET /activate (SSR, with session)", "/activate", { cookie });

// Abuse under load (issue 14): each target driven for BENCH_SECONDS (default 60) by 16 clients on loopback,
// with the portal's own limits in force. Answers are tallied by status: the refusals the rules intend
// (429 rate limit, 400 a bad token, 303/200 the same answer for a wrong password or a refused code) are
// expected; any 5xx or a dropped connection is an error. RSS of the server before and after each run.
const seconds = Number(process.env.BENCH_SECONDS ?? 60);
const rss = () => {
  try {
    const status = readFileSync(`/proc/${serverPid}/status`, "utf8");
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return NaN;
  }
};
const form = (fields) => new URLSearchParams(fields).toString();
const posting = (fields, extra = {}) => ({
  body: form(fields),
  headers: { "content-type": "application/x-www-form-urlencoded", "sec-fetch-site": "same-origin", accept: "text/html", ...extra },
});
async function soak(name, method, path, options) {
  const latencies = [];
  const statuses = new Map();
  let errors = 0, sent = 0;
  const before = rss();
  const end = Date.now() + seconds * 1000;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (Date.now() < end) {
      const t0 = process.hrtime.bigint();
      sent++;
      try {
        const res = await request(method, path, options);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status >= 500) errors++;
      } catch {
        errors++;
      }
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }));
  latencies.sort((a, b) => a - b);
  const p = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(1);
  const tally = [...statuses.entries()].sort().map(([s, n]) => `${s}×${n}`).join(" ");
  console.log(`${name.padEnd(30)}${String(sent).padStart(8)} sent  p50 ${p(0.5)} ms  p99 ${p(0.99)} ms  errors ${errors}  [${tally}]  RSS ${before.toFixed(1)} → ${rss().toFixed(1)} MB`);
}
console.log(`\nAbuse under load (${seconds} s each, 16 concurrent, limits in force)`);
await soak("GET /activate", "GET", "/activate", { headers: { cookie } });
await soak("Send code (register step 1)", "POST", "/api/register_basic",
  posting({ site: "us1", username: "loadtest", email: "load@example.com", intent: "send_code" }, { cookie }));
await soak("Log in (wrong password)", "POST", "/api/login", posting({ username: "nobody", password: "not the password" }));
await soak("Fulfillment POST (bad token)", "POST", "/marketplace/aws",
  { body: form({ "x-amzn-marketplace-token": "not-a-token" }), headers: { "content-type": "application/x-www-form-urlencoded" } });
agent.destroy();
