// An independent Salesforce client (jsforce) against the emulator, over plain HTTP, with no
// help from hubsync: `node check.js <emulator url> <config.json>`. It logs in by SOAP and by
// each OAuth flow, then uses the REST, Bulk API 2.0 and identity endpoints, and prints one
// JSON object of what it saw (tests/salesforce_emulator/clients/test_jsforce.py asserts it).
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const jsforce = require('jsforce');

const VERSION = '59.0';

function b64url(data) {
  return Buffer.from(data).toString('base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

// An RS256 JWT bearer assertion (what an External Client App's integration signs).
function jwtAssertion(cfg) {
  const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const claims = b64url(JSON.stringify({
    iss: cfg.clientId,
    sub: cfg.username,
    aud: 'https://login.salesforce.com',
    exp: Math.floor(Date.now() / 1000) + 180,
  }));
  const signature = crypto.createSign('RSA-SHA256').update(`${header}.${claims}`).sign(cfg.jwtKey);
  return `${header}.${claims}.${b64url(signature)}`;
}

// The web server flow's login page, filled in the way a person would: GET it, POST the form.
async function authorizationCode(authUrl, cfg) {
  const page = await (await fetch(authUrl)).text();
  const form = new URLSearchParams();
  for (const m of page.matchAll(/<input[^>]*type="hidden"[^>]*>/g)) {
    const name = /name="([^"]*)"/.exec(m[0]);
    const value = /value="([^"]*)"/.exec(m[0]);
    if (name) form.set(name[1], value ? value[1].replace(/&amp;/g, '&').replace(/&quot;/g, '"') : '');
  }
  form.set('username', cfg.username);
  form.set('password', cfg.password);
  const res = await fetch(authUrl, { method: 'POST', body: form, redirect: 'manual' });
  const location = new URL(res.headers.get('location'));
  return { code: location.searchParams.get('code'), state: location.searchParams.get('state') };
}

async function errorCodes(promise) {
  try {
    const res = await promise;
    return (res.errors || []).map((e) => e.errorCode || e.statusCode);
  } catch (err) {
    return [err.errorCode || err.name];
  }
}

async function main() {
  const [url, configPath] = process.argv.slice(2);
  const cfg = JSON.parse(fs.readFileSync(configPath, 'utf8'));
  const out = {};
  const app = () => new jsforce.OAuth2({
    loginUrl: url, clientId: cfg.clientId, clientSecret: cfg.clientSecret, redirectUri: cfg.callbackUrl,
  });

  // --- logins
  const soap = new jsforce.Connection({ loginUrl: url, version: VERSION, logLevel: 'FATAL' });
  const soapUser = await soap.login(cfg.username, cfg.password + cfg.token);
  out.soap = { instanceUrl: soap.instanceUrl, userId: soapUser.id, orgId: soapUser.organizationId };

  const conn = new jsforce.Connection({ oauth2: app(), version: VERSION });
  const pwUser = await conn.login(cfg.username, cfg.password + cfg.token);
  out.password = { instanceUrl: conn.instanceUrl, userId: pwUser.id, idUrl: pwUser.url };

  const cc = new jsforce.Connection({ oauth2: app(), version: VERSION });
  await cc.authorize({ grant_type: 'client_credentials' });
  out.clientCredentials = { instanceUrl: cc.instanceUrl, username: (await cc.identity()).username };

  const jwt = new jsforce.Connection({ oauth2: new jsforce.OAuth2({ loginUrl: url }), version: VERSION });
  await jwt.authorize({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: jwtAssertion(cfg) });
  out.jwt = { instanceUrl: jwt.instanceUrl, count: (await jwt.query('SELECT COUNT() FROM User')).totalSize };

  const pkce = new jsforce.OAuth2({
    loginUrl: url, clientId: cfg.clientId, redirectUri: cfg.callbackUrl, useVerifier: true,
  });
  const { code, state } = await authorizationCode(
    pkce.getAuthorizationUrl({ scope: 'api refresh_token', state: 'js-state' }), cfg);
  const web = new jsforce.Connection({ oauth2: pkce, version: VERSION });
  await web.authorize(code);
  const refreshed = await pkce.refreshToken(web.refreshToken);
  const again = new jsforce.Connection({
    instanceUrl: refreshed.instance_url, accessToken: refreshed.access_token, version: VERSION,
  });
  out.webServer = {
    state, hasRefreshToken: Boolean(web.refreshToken), refreshedInstanceUrl: refreshed.instance_url,
    afterRefresh: (await again.query('SELECT Id FROM User LIMIT 1')).totalSize,
  };

  // --- who am I, which versions
  const identity = await conn.identity();
  const userinfo = await conn.request('/services/oauth2/userinfo');
  const versions = await conn.request('/services/data/');
  out.identity = { username: identity.username, id: identity.id, rest: identity.urls.rest };
  out.userinfo = { sub: userinfo.sub, preferredUsername: userinfo.preferred_username };
  out.versions = versions.map((v) => v.version);

  // --- CRUD, upsert, collections, composite
  const account = await conn.sobject('Account').create({ Name: 'Acme JS' });
  const contact = await conn.sobject('Contact').create({
    LastName: 'Lovelace', FirstName: 'Ada', Email: 'ada@acme-js.example', AccountId: account.id,
  });
  await conn.sobject('Contact').update({ Id: contact.id, Title: 'Analyst' });
  const read = await conn.sobject('Contact').retrieve(contact.id);
  const up1 = await conn.sobject('Contact').upsert({ LastName: 'Upserted', HubSync_Id__c: 'js-1' }, 'HubSync_Id__c');
  const up2 = await conn.sobject('Contact').upsert({ LastName: 'Upserted 2', HubSync_Id__c: 'js-1' }, 'HubSync_Id__c');
  const leads = await conn.sobject('Lead').create(
    [1, 2, 3].map((i) => ({ LastName: `Lead ${i}`, Company: 'JS', Email: `lead${i}@acme-js.example` })),
    { allOrNone: true });
  const composite = await conn.requestPost(`/services/data/v${VERSION}/composite`, {
    allOrNone: true,
    compositeRequest: [
      { method: 'POST', url: `/services/data/v${VERSION}/sobjects/Account`, referenceId: 'acc', body: { Name: 'Composite JS' } },
      { method: 'GET', url: `/services/data/v${VERSION}/sobjects/Account/@{acc.id}?fields=Name`, referenceId: 'read' },
    ],
  });
  out.crud = {
    contactId: contact.id, accountId: account.id, title: read.Title,
    upsertCreated: [up1.created, up2.created], collections: leads.map((r) => r.success),
    composite: composite.compositeResponse.map((r) => r.httpStatusCode),
    compositeName: composite.compositeResponse[1].body.Name,
    tooLong: await errorCodes(conn.sobject('Contact').create({ LastName: 'x'.repeat(81) })),
  };

  // --- SOQL: paging, subqueries, semi-joins, GROUP BY; SOSL
  const first = await conn.query('SELECT Id FROM Lead');
  const more = await conn.queryMore(first.nextRecordsUrl);
  const sub = await conn.query(`SELECT Name, (SELECT LastName FROM Contacts) FROM Account WHERE Id = '${account.id}'`);
  const semi = await conn.query('SELECT Name FROM Account WHERE Id IN (SELECT AccountId FROM Contact) ORDER BY Name');
  const grouped = await conn.query("SELECT Company, COUNT(Id) n FROM Lead WHERE Company = 'JS' GROUP BY Company");
  const found = await conn.search(
    'FIND {ada@acme-js.example} IN EMAIL FIELDS RETURNING Lead(Id, Email), Contact(Id, Email)');
  out.soql = {
    totalSize: first.totalSize, firstPage: first.records.length, secondPage: more.records.length,
    done: more.done, children: sub.records[0].Contacts.records.map((r) => r.LastName),
    semiJoin: semi.records.map((r) => r.Name), grouped: grouped.records.map((r) => [r.Company, r.n]),
    search: found.searchRecords.map((r) => r.attributes.type),
  };
  out.malformed = await errorCodes(conn.query('SELECT Id FROM Lead GROUP BY ROLLUP(Company)'));

  // --- Bulk API 2.0 and limits
  conn.bulk2.pollInterval = 100;
  const ingest = await conn.bulk2.loadAndWaitForResults({
    object: 'Contact', operation: 'insert',
    input: 'LastName,Email\nBulk One,b1@acme-js.example\nBulk Two,b2@acme-js.example\n,missing@acme-js.example\n',
  });
  const rows = await (await conn.bulk2.query("SELECT Id, LastName FROM Contact WHERE LastName LIKE 'Bulk%'")).toArray();
  const limits = await conn.limits();
  out.bulk = {
    successful: ingest.successfulResults.length, failed: ingest.failedResults.length,
    queried: rows.map((r) => r.LastName).sort(),
  };
  out.limits = {
    DailyApiRequests: limits.DailyApiRequests, DailyBulkV2QueryJobs: limits.DailyBulkV2QueryJobs,
    DailyBulkApiBatches: limits.DailyBulkApiBatches,
  };

  await conn.sobject('Contact').destroy(contact.id);
  out.deleted = (await conn.query(`SELECT COUNT() FROM Contact WHERE Id = '${contact.id}'`)).totalSize;
  process.stdout.write(JSON.stringify(out));
}

main().catch((err) => {
  process.stderr.write(`${err.stack || err}\n`);
  process.exit(1);
});
