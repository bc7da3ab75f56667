// A real OpenID Connect provider for the single sign-on tests: panva's oidc-provider (npm),
// with its development sign-in pages (any login name, any password). Accounts and their
// groups are read from the JSON file ACCOUNTS at every sign-in, so a test changes someone's
// groups by rewriting it. Claims are released by scope from the user-info endpoint, as the
// OpenID Connect specification has it; the ID token carries the subject.
//
// Environment: PORT, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, ACCOUNTS.
import Provider from "oidc-provider";
import { readFileSync } from "node:fs";

const { PORT, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, ACCOUNTS } = process.env;
const issuer = `http://localhost:${PORT}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      redirect_uris: [REDIRECT_URI],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
    },
  ],
  claims: {
    openid: ["sub"],
    email: ["email", "email_verified"],
    profile: ["name"],
    groups: ["groups", "employee_number"],
  },
  pkce: { required: () => true },
  cookies: { keys: ["tenure-test-provider-cookie-key"] },
  async findAccount(ctx, id) {
    const accounts = JSON.parse(readFileSync(ACCOUNTS, "utf8"));
    const account = accounts[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        const current = JSON.parse(readFileSync(ACCOUNTS, "utf8"))[id] ?? {};
        return { sub: id, ...current };
      },
    };
  },
});
provider.proxy = false;
// Every local address: the browser may reach "localhost" over IPv6 or IPv4.
provider.listen(Number(PORT), () => {
  console.log(`identity provider at ${issuer}`);
});
