/* unit_secrets.c: for every secrets rule and every output format, the rule
 * finds its sample and the sample's text appears nowhere in the output; the
 * redaction function masks it. Samples are built here at run time from
 * pieces and a fixed-seed generator: no live-looking token is in the source. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cli/cli.h"
#include "core/mem.h"
#include "rules/rule.h"
#include "scanners/secrets/secrets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static uint64_t g_rng = 0x9e3779b97f4a7c15ULL;

static char rnd(const char *set) {
  g_rng ^= g_rng << 13;
  g_rng ^= g_rng >> 7;
  g_rng ^= g_rng << 17;
  return set[g_rng % strlen(set)];
}

#define ALNUM "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
#define B64 ALNUM "+/"
#define B64URL ALNUM "-_"
#define UPPER32 "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
#define DIGITS "0123456789"
#define HEX "0123456789abcdef"
#define BECH32 "023456789ACDEFGHJKLMNPQRSTUVWXYZ"
#define LETTERS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

/* Expands a sample spec: text with {N:set} runs of N random characters
 * from the named set (A=alnum, B=base64, U=base64url, W=upper base32,
 * D=digits, H=hex, C=upper-case bech32, L=letters, P=password characters).
 * Caller frees. */
static char *expand(const char *spec) {
  qg_buf b;
  qg_buf_init(&b, 0);
  for (const char *p = spec; *p; p++) {
    if (*p != '{') {
      (void)qg_buf_putc(&b, *p);
      continue;
    }
    int n = atoi(p + 1);
    const char *colon = strchr(p, ':');
    char kind = colon[1];
    const char *set = kind == 'A'   ? ALNUM
                      : kind == 'B' ? B64
                      : kind == 'U' ? B64URL
                      : kind == 'W' ? UPPER32
                      : kind == 'D' ? DIGITS
                      : kind == 'H' ? HEX
                      : kind == 'C' ? BECH32
                      : kind == 'L' ? LETTERS
                                    : ALNUM "!%^&*+=";
    for (int i = 0; i < n; i++)
      (void)qg_buf_putc(&b, rnd(set));
    p = strchr(p, '}');
  }
  return qg_buf_detach(&b);
}

typedef struct sample {
  const char *rule;
  const char *file;   /* file name */
  const char *before; /* text before the secret */
  const char *secret; /* spec of the secret (pieces keep it from looking live here) */
  const char *after;
} sample;

static const sample k_samples[] = {
    {"secrets/age-secret-key", "key.txt", "# public key: age1...\n",
     "AGE-SECRET-"
     "KEY-1{58:C}",
     "\n"},
    {"secrets/anthropic-api-key", "a.py", "KEY = '",
     "sk-"
     "ant-api03-{93:U}AA",
     "'\n"},
    {"secrets/atlassian-api-token", "jira.env", "JIRA_API_TOKEN=",
     "ATAT"
     "T3{186:U}",
     "\n"},
    {"secrets/aws-access-key-id", "creds", "aws_access_key_id = ",
     "AK"
     "IA{16:W}",
     "\n"},
    {"secrets/aws-secret-access-key", "creds", "aws_secret_access_key = ", "{40:B}", "\n"},
    {"secrets/azure-ad-client-secret", "app.env", "AZURE_CLIENT_SECRET=",
     "{3:A}{1:D}Q"
     "~{34:A}",
     "\n"},
    {"secrets/azure-connection-string", "bus.env",
     "SERVICEBUS=Endpoint=sb://ns1.servicebus.windows.net/;SharedAccessKeyName=send;"
     "SharedAccessKey=",
     "{43:B}=", "\n"},
    {"secrets/azure-storage-key", "storage.env",
     "AZURE_STORAGE_CONNECTION_STRING=DefaultEndpointsProtocol=https;AccountName=acct1;AccountKey=",
     "{86:B}==", ";EndpointSuffix=core.windows.net\n"},
    {"secrets/basic-auth-header", "call.sh", "curl -H 'Authorization: Basic ", "{28:B}",
     "' https://api.internal/\n"},
    {"secrets/databricks-token", "dbx.cfg", "[DEFAULT]\ntoken = ",
     "da"
     "pi{32:H}",
     "\n"},
    {"secrets/datadog-api-key", "dd.env", "DD_API_KEY=", "{32:H}", "\n"},
    {"secrets/digitalocean-token", "do.sh", "export DIGITALOCEAN_TOKEN=",
     "do"
     "p_v1_{64:H}",
     "\n"},
    {"secrets/discord-bot-token", "bot.js", "// discord bot\nclient.login('",
     "MTE4NzY1NDMy"
     "MTA5ODc2NTQzMg.{6:U}.{38:U}",
     "');\n"},
    {"secrets/discord-webhook", "hook.py", "URL = '",
     "https://discord.com/api/web"
     "hooks/{18:D}/{68:U}",
     "'\n"},
    {"secrets/docker-config-auth", "config.json",
     "{\"auths\": {\"registry.internal\": {\"auth\": \"", "{32:B}", "\"}}}\n"},
    {"secrets/doppler-token", "doppler.env", "DOPPLER_TOKEN=",
     "dp"
     ".pt.{43:A}",
     "\n"},
    {"secrets/dynatrace-token", "dt.env", "DT_API_TOKEN=",
     "dt0"
     "c01.{24:W}.{64:W}",
     "\n"},
    {"secrets/env-credential", "pod.yaml",
     "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n"
     "    image: app:1\n    env:\n    - name: DB_PASSWORD\n      value: \"",
     "{24:A}", "\"\n"},
    {"secrets/gcp-service-account", "sa.json",
     "{\n  \"type\": \"service_account\",\n  \"project_id\": \"proj-1\",\n  \"private_key_id\": \"",
     "{40:H}", "\",\n  \"client_email\": \"sa@proj-1.iam.gserviceaccount.com\"\n}\n"},
    {"secrets/generic-credential", ".env", "DB_PASSWORD=", "{20:P}9", "\n"},
    {"secrets/github-fine-grained-token", "x.sh", "export T=",
     "github"
     "_pat_{22:A}_{59:A}",
     "\n"},
    {"secrets/github-token", "main.go", "const t = \"",
     "gh"
     "p_{36:A}",
     "\"\n"},
    {"secrets/gitlab-ci-token", "trigger.sh", "TRIGGER_TOKEN=",
     "gl"
     "ptt-{40:H}",
     "\n"},
    {"secrets/gitlab-token", "ci.sh", "TOKEN=",
     "gl"
     "pat-{20:A}",
     "\n"},
    {"secrets/google-api-key", "app.js", "const k = '",
     "AI"
     "za{35:U}",
     "';\n"},
    {"secrets/grafana-token", "grafana.env", "GRAFANA_TOKEN=",
     "gl"
     "sa_{32:A}_{8:H}",
     "\n"},
    {"secrets/hashicorp-vault-token", "vault.env", "VAULT_TOKEN=",
     "hv"
     "s.{12:A}4{12:A}",
     "\n"},
    {"secrets/heroku-api-key", "heroku.env", "HEROKU_API_KEY=", "{8:H}-{4:H}-{4:H}-{4:H}-{12:H}",
     "\n"},
    {"secrets/huggingface-token", "hf.py", "HF_TOKEN = '",
     "h"
     "f_{34:L}",
     "'\n"},
    {"secrets/jwt", "req.http", "Authorization: Bearer ",
     "ey"
     "J{20:U}.ey"
     "J{40:U}.{43:U}",
     "\n"},
    {"secrets/kubernetes-secret-literal", "secret.yaml",
     "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData:\n  session: ", "{24:A}", "\n"},
    {"secrets/langsmith-api-key", "ls.env", "LANGCHAIN_API_KEY=",
     "lsv2"
     "_pt_{32:H}_{10:H}",
     "\n"},
    {"secrets/launchdarkly-token", "ld.env", "LAUNCHDARKLY_ACCESS_TOKEN=",
     "ap"
     "i-{8:H}-{4:H}-{4:H}-{4:H}-{12:H}",
     "\n"},
    {"secrets/linear-api-key", "linear.env", "LINEAR_API_KEY=",
     "lin"
     "_api_{40:A}",
     "\n"},
    {"secrets/linkedin-client-secret", "li.env", "LINKEDIN_CLIENT_SECRET=", "{8:A}7{7:A}", "\n"},
    {"secrets/lob-api-key", "lob.env", "LOB_API_KEY=",
     "li"
     "ve_{35:H}",
     "\n"},
    {"secrets/looker-client-secret", "looker.ini",
     "[Looker]\nlooker_client_secret=", "{12:A}3{11:A}", "\n"},
    {"secrets/mailchimp-api-key", "mc.php", "$apiKey = '",
     "{32:H}-us"
     "12",
     "';\n"},
    {"secrets/mailgun-api-key", "mail.rb", "MAILGUN_API_KEY = '",
     "ke"
     "y-{32:H}",
     "'\n"},
    {"secrets/mapbox-token", "mb.env", "MAPBOX_TOKEN=",
     "s"
     "k.eyJ1Ijoi{50:A}.{22:U}",
     "\n"},
    {"secrets/mattermost-token", "mm.env", "MATTERMOST_TOKEN=", "{12:H}k{13:H}", "\n"},
    {"secrets/maxmind-license-key", "GeoIP.conf", "LicenseKey ",
     "{6:A}_{29:A}_m"
     "mk",
     "\n"},
    {"secrets/messagebird-api-key", "mb.py", "MESSAGEBIRD_ACCESS_KEY = '", "{12:A}5{12:A}", "'\n"},
    {"secrets/microsoft-teams-webhook", "teams.env", "TEAMS_URL=",
     "https://acme.webhook.office.com/webho"
     "okb2/{8:H}-{4:H}-{4:H}-{4:H}-{12:H}@{8:H}-{4:H}-{4:H}-{4:H}-{12:H}/IncomingWebhook/"
     "{32:H}/{8:H}-{4:H}-{4:H}-{4:H}-{12:H}",
     "\n"},
    {"secrets/netlify-token", "nl.env", "NETLIFY_AUTH_TOKEN=", "{20:A}9{22:U}", "\n"},
    {"secrets/netrc-credential", ".netrc", "machine api.internal.io\n  login deploy\n  password ",
     "{20:P}9", "\n"},
    {"secrets/new-relic-key", "newrelic.env", "NEW_RELIC_API_KEY=",
     "NR"
     "AK-{27:W}",
     "\n"},
    {"secrets/notion-token", "notion.js", "const notion = new Client({ auth: '",
     "nt"
     "n_{11:D}{35:A}",
     "' });\n"},
    {"secrets/npm-token", ".npmrc", "//registry.npmjs.org/:_authToken=",
     "np"
     "m_{36:A}",
     "\n"},
    {"secrets/nuget-config-password", "NuGet.Config",
     "<configuration><packageSourceCredentials><Feed>\n<add key=\"ClearTextPassword\" value=\"",
     "{20:A}", "\" />\n</Feed></packageSourceCredentials></configuration>\n"},
    {"secrets/nytimes-api-key", "nyt.env", "NYTIMES_API_KEY=", "{16:A}4{15:A}", "\n"},
    {"secrets/octopus-deploy-api-key", "octo.env", "OCTOPUS_API_KEY=",
     "AP"
     "I-Q{12:W}7{12:W}",
     "\n"},
    {"secrets/okta-token", "okta.env", "OKTA_API_TOKEN=",
     "0"
     "0{40:A}",
     "\n"},
    {"secrets/openai-api-key", "ai.py", "OPENAI_API_KEY = '",
     "sk-"
     "proj-{74:U}T3Blbk"
     "FJ{74:U}",
     "'\n"},
    {"secrets/openrouter-api-key", "or.env", "OPENROUTER_API_KEY=",
     "sk-"
     "or-v1-{64:H}",
     "\n"},
    {"secrets/openshift-token", "login.sh", "oc login --token=",
     "sha"
     "256~{43:A}",
     "\n"},
    {"secrets/paypal-braintree-token", "bt.env",
     "BRAINTREE_TOKEN=access_token$production$"
     "4k9x2m7q8w3z5v6n$",
     "{32:H}", "\n"}, /* qgate:allow: test sample */
    {"secrets/perplexity-api-key", "pplx.env", "PERPLEXITY_API_KEY=",
     "ppl"
     "x-{48:A}",
     "\n"},
    {"secrets/pinecone-api-key", "pc.env", "PINECONE_API_KEY=",
     "pcs"
     "k_{5:A}_{63:A}",
     "\n"},
    {"secrets/plaid-token", "plaid.env", "PLAID_ACCESS_TOKEN=",
     "access-pro"
     "duction-{8:H}-{4:H}-{4:H}-{4:H}-{12:H}",
     "\n"},
    {"secrets/planetscale-token", "ps.env", "PLANETSCALE_SERVICE_TOKEN=",
     "pscale"
     "_tkn_{43:U}",
     "\n"},
    {"secrets/postman-api-key", "postman.env", "POSTMAN_API_KEY=",
     "PM"
     "AK-{24:H}-{34:H}",
     "\n"},
    {"secrets/prefect-api-key", "prefect.env", "PREFECT_API_KEY=",
     "pn"
     "u_{36:A}",
     "\n"},
    {"secrets/private-key", "id_rsa", "",
     "-----BEG"
     "IN RSA PRIVATE KEY-----\n{64:B}\n{64:B}\n"
     "-----END RSA PRIVATE KEY-----",
     "\n"},
    {"secrets/privateai-api-key", "pai.env", "PRIVATEAI_API_KEY=", "{16:A}8{15:A}", "\n"},
    {"secrets/pulumi-token", "pulumi.env", "PULUMI_ACCESS_TOKEN=",
     "pu"
     "l-{40:H}",
     "\n"},
    {"secrets/pypi-token", ".pypirc", "[pypi]\nusername = __token__\npassword = ",
     "pypi-AgEIcHlw"
     "aS5vcmc{120:U}",
     "\n"},
    {"secrets/rapidapi-key", "rapid.js", "const RAPIDAPI_KEY = '", "{24:A}6{25:U}", "';\n"},
    {"secrets/readme-api-key", "rdme.env", "README_API_KEY=",
     "rd"
     "me_{70:H}",
     "\n"},
    {"secrets/replicate-api-token", "rep.env", "REPLICATE_API_TOKEN=",
     "r"
     "8_{40:A}",
     "\n"},
    {"secrets/resend-api-key", "resend.env", "RESEND_API_KEY=",
     "r"
     "e_Kq7fT9wd_Hx4mWz8p"
     "Rt2nYv6bJc3sGk5a",
     "\n"},
    {"secrets/rubygems-api-key", "credentials", "---\n:rubygems_api_key: ",
     "ruby"
     "gems_{48:H}",
     "\n"},
    {"secrets/scalingo-api-token", "scalingo.env", "SCALINGO_API_TOKEN=",
     "tk-"
     "us-{48:U}",
     "\n"},
    {"secrets/sendbird-token", "sb.env", "SENDBIRD_API_TOKEN=", "{39:H}f", "\n"},
    {"secrets/sendgrid-api-key", "mail.py", "SENDGRID_API_KEY = '",
     "S"
     "G.{22:U}.{43:U}",
     "'\n"},
    {"secrets/sendinblue-api-key", "brevo.env", "BREVO_API_KEY=",
     "xkey"
     "sib-{64:H}-{16:A}",
     "\n"},
    {"secrets/sentry-token", ".sentryclirc", "[auth]\ntoken=",
     "sntr"
     "yu_{64:H}",
     "\n"},
    {"secrets/settlemint-token", "sm.env", "SETTLEMINT_ACCESS_TOKEN=",
     "sm"
     "_pat_{16:A}",
     "\n"},
    {"secrets/shippo-api-token", "shippo.env", "SHIPPO_API_KEY=",
     "shi"
     "ppo_live_{40:H}",
     "\n"},
    {"secrets/shopify-token", "shop.env", "SHOPIFY_ACCESS_TOKEN=",
     "shp"
     "at_{32:H}",
     "\n"},
    {"secrets/sidekiq-credential", ".env", "BUNDLE_GEMS__CONTRIBSYS__COM=", "{8:H}:{8:H}", "\n"},
    {"secrets/slack-app-token", "socket.py", "APP_TOKEN = '",
     "xa"
     "pp-1-A{10:W}-{13:D}-{64:H}",
     "'\n"},
    {"secrets/slack-token", "bot.py", "SLACK = '",
     "xo"
     "xb-{11:D}-{12:D}-{24:A}",
     "'\n"},
    {"secrets/slack-webhook", "notify.sh", "curl -X POST ",
     "https://hooks.sl"
     "ack.com/services/T{8:W}/B{8:W}/{24:A}",
     "\n"},
    {"secrets/snyk-token", "snyk.env", "SNYK_TOKEN=", "{8:H}-{4:H}-{4:H}-{4:H}-{12:H}", "\n"},
    {"secrets/sonarqube-token", "sonar.env", "SONAR_TOKEN=",
     "sq"
     "p_{40:H}",
     "\n"},
    {"secrets/sourcegraph-token", "sg.env", "SRC_ACCESS_TOKEN=",
     "sg"
     "p_{16:H}_{40:H}",
     "\n"},
    {"secrets/square-token", "square.env", "SQUARE_ACCESS_TOKEN=",
     "EA"
     "AA{60:U}",
     "\n"},
    {"secrets/squarespace-token", "sq.env",
     "SQUARESPACE_API_KEY=", "{8:H}-{4:H}-{4:H}-{4:H}-{12:H}", "\n"},
    {"secrets/stripe-secret-key", "pay.rb", "Stripe.api_key = '",
     "sk_"
     "live_{24:A}",
     "'\n"},
    {"secrets/sumologic-key", "sumo.env", "SUMO_ACCESS_KEY=", "{32:A}2{31:A}", "\n"},
    {"secrets/supabase-access-token", "sb.env", "SUPABASE_ACCESS_TOKEN=",
     "sb"
     "p_{40:H}",
     "\n"},
    {"secrets/tailscale-key", "ts.env", "TS_AUTHKEY=",
     "tsk"
     "ey-auth-k{10:A}CNTRL-{32:A}",
     "\n"},
    {"secrets/telegram-bot-token", "tg.py", "TOKEN = '",
     "{10:D}:A"
     "A{33:U}",
     "'\n"},
    {"secrets/terraform-cloud-token", ".terraformrc",
     "credentials \"app.terraform.io\" {\n  token = \"",
     "{14:A}.atlas"
     "v1.{67:U}",
     "\"\n}\n"},
    {"secrets/travis-ci-token", "travis.env", "TRAVIS_API_TOKEN=", "{11:A}3{10:A}", "\n"},
    {"secrets/twilio-api-key", "sms.py", "# twilio\nTWILIO_API_KEY = '",
     "S"
     "K{32:H}",
     "'\n"},
    {"secrets/twitch-token", "twitch.env", "TWITCH_CLIENT_SECRET=", "{15:H}q{14:H}", "\n"},
    {"secrets/twitter-token", "x.env", "TWITTER_ACCESS_TOKEN=", "{19:D}-{40:A}", "\n"},
    {"secrets/typeform-token", "tf.env", "TYPEFORM_TOKEN=",
     "tf"
     "p_{44:A}_{14:A}",
     "\n"},
    {"secrets/url-credentials", "db.env", "DATABASE_URL=postgres://app:", "{16:A}7",
     "@db.internal:5432/app\n"},
    /* issue 24, providers a to k */
    {"secrets/1password-token", "op.env", "OP_SERVICE_ACCOUNT_TOKEN=",
     "ops_"
     "eyJ{300:B}",
     "\n"},
    {"secrets/adafruit-io-key", "aio.env", "ADAFRUIT_IO_KEY=",
     "ai"
     "o_{28:A}",
     "\n"},
    {"secrets/adobe-client-secret", "adobe.env", "ADOBE_CLIENT_SECRET=",
     "p8"
     "e-{32:A}",
     "\n"},
    {"secrets/adyen-api-key", "adyen.env", "ADYEN_API_KEY=",
     "AQ"
     "E{6:A}.{60:U}",
     "\n"},
    {"secrets/airtable-token", "base.js", "// airtable\nconst t = '",
     "pa"
     "t{14:A}.{64:H}",
     "';\n"},
    {"secrets/algolia-api-key", "search.env", "ALGOLIA_ADMIN_KEY=", "{32:H}", "\n"},
    {"secrets/alibaba-access-key", "ali.env", "ALIBABA_CLOUD_ACCESS_KEY_ID=",
     "LT"
     "AI{20:A}",
     "\n"},
    {"secrets/asana-token", "asana.env", "ASANA_ACCESS_TOKEN=", "2/{16:D}/{16:D}:{32:H}", "\n"},
    {"secrets/authress-access-key", "authress.env", "AUTHRESS_KEY=",
     "sc"
     "_{12:A}.{5:A}.acc_{20:A}.{60:U}",
     "\n"},
    {"secrets/azure-data-factory-key", "shir.env", "SHIR_AUTH_KEY=",
     "IR"
     "@{8:H}-{4:H}-{4:H}-{4:H}-{12:H}@adf-orders-001@we@{43:B}=",
     "\n"},
    {"secrets/beamer-api-key", "beamer.env", "BEAMER_API_KEY=", "b_{44:U}", "\n"},
    {"secrets/bitbucket-client-secret", "bb.env", "BITBUCKET_CLIENT_SECRET=", "{64:U}", "\n"},
    {"secrets/bittrex-api-key", "bittrex.env", "BITTREX_API_SECRET=", "{32:A}", "\n"},
    {"secrets/castai-api-key", "castai.env", "CASTAI_API_TOKEN=",
     "castai"
     "_v1_{64:A}_{8:A}",
     "\n"},
    {"secrets/chargebee-api-key", "cb.env", "CHARGEBEE_API_KEY=",
     "li"
     "ve_{32:A}",
     "\n"},
    {"secrets/chieftools-token", "chief.env", "CHIEF_TOKEN=",
     "ct"
     "p_{36:A}",
     "\n"},
    {"secrets/cisco-meraki-api-key", "meraki.env", "MERAKI_DASHBOARD_API_KEY=", "{40:H}", "\n"},
    {"secrets/claude-code-session-url", "NOTES.md", "See https://claude.ai/code/",
     "sess"
     "ion_{24:A}",
     " today\n"},
    {"secrets/clickhouse-cloud-key", "ch.env", "CLICKHOUSE_KEY_SECRET=",
     "4b"
     "1d{38:A}",
     "\n"},
    {"secrets/clojars-token", "deploy.env", "CLOJARS_PASSWORD=",
     "CLOJ"
     "ARS_{60:A}",
     "\n"},
    {"secrets/cloudflare-api-key", "cf.env", "CLOUDFLARE_API_TOKEN=", "{40:U}", "\n"},
    {"secrets/codecov-token", "codecov.env", "CODECOV_TOKEN=", "{8:H}-{4:H}-{4:H}-{4:H}-{12:H}",
     "\n"},
    {"secrets/cohere-api-key", "co.env", "CO_API_KEY=", "{40:A}", "\n"},
    {"secrets/coinbase-token", "cb.env", "COINBASE_API_SECRET=", "{64:U}", "\n"},
    {"secrets/confluent-api-key", "kafka.env", "CONFLUENT_CLOUD_API_SECRET=", "{64:B}", "\n"},
    {"secrets/contentful-token", "contentful.env", "CONTENTFUL_MANAGEMENT_TOKEN=",
     "CFP"
     "AT-{43:U}",
     "\n"},
    {"secrets/curl-credentials", "get.sh", "curl -fsS -u deploy:", "{14:A}7",
     " https://repo.internal/a.tgz\n"},
    {"secrets/defined-networking-token", "dn.env", "DN_API_KEY=",
     "dnk"
     "ey-{26:A}-{52:A}",
     "\n"},
    {"secrets/discord-client-secret", "discord.env", "DISCORD_CLIENT_SECRET=", "{32:U}", "\n"},
    {"secrets/django-secret-key", "settings.py", "SECRET_KEY = '",
     "django-"
     "insecure-{50:P}",
     "'\n"},
    {"secrets/drone-ci-token", "drone.env", "DRONE_TOKEN=", "{32:A}", "\n"},
    {"secrets/dropbox-token", "dbx.env", "DROPBOX_ACCESS_TOKEN=",
     "sl"
     ".{140:U}",
     "\n"},
    {"secrets/duffel-token", "duffel.env", "DUFFEL_ACCESS_TOKEN=",
     "duf"
     "fel_live_{43:U}",
     "\n"},
    {"secrets/easypost-api-key", "ep.env", "EASYPOST_API_KEY=",
     "EZ"
     "AK{54:A}",
     "\n"},
    {"secrets/etsy-token", "etsy.env", "ETSY_ACCESS_TOKEN=", "{24:A}", "\n"},
    {"secrets/facebook-token", "fb.env", "FB_PAGE_TOKEN=",
     "EA"
     "AG{150:A}",
     "\n"},
    {"secrets/fastly-api-token", "fastly.env", "FASTLY_API_TOKEN=", "{32:U}", "\n"},
    {"secrets/finicity-token", "finicity.env", "FINICITY_APP_KEY=", "{32:H}", "\n"},
    {"secrets/finnhub-token", "finnhub.env", "FINNHUB_API_KEY=", "{20:A}", "\n"},
    {"secrets/flickr-token", "flickr.env", "FLICKR_API_SECRET=", "{32:H}", "\n"},
    {"secrets/flutterwave-key", "flw.env", "FLW_SECRET_KEY=",
     "FLW"
     "SECK-{32:H}-X",
     "\n"},
    {"secrets/flyio-token", "fly.env", "FLY_API_TOKEN=",
     "fo"
     "1_{43:U}",
     "\n"},
    {"secrets/frameio-token", "frame.env", "FRAMEIO_TOKEN=",
     "fio"
     "-u-{64:U}",
     "\n"},
    {"secrets/freemius-secret-key", "init.php", "<?php\n$c = array('secret_key' => '",
     "sk"
     "_{29:A}",
     "');\n"},
    {"secrets/freshbooks-token", "freshbooks.env", "FRESHBOOKS_ACCESS_TOKEN=", "{64:A}", "\n"},
    {"secrets/gitter-token", "gitter.env", "GITTER_TOKEN=", "{40:H}", "\n"},
    {"secrets/gocardless-token", "gocardless.env", "GOCARDLESS_ACCESS_TOKEN=",
     "li"
     "ve_{40:U}",
     "\n"},
    {"secrets/groq-api-key", "groq.env", "GROQ_API_KEY=",
     "gs"
     "k_{48:A}",
     "\n"},
    {"secrets/harness-token", "harness.env", "HARNESS_PLATFORM_API_KEY=",
     "pa"
     "t.{22:U}.{24:A}.{20:A}",
     "\n"},
    {"secrets/hubspot-token", "hubspot.env", "HUBSPOT_ACCESS_TOKEN=",
     "pat-"
     "na1-{8:H}-{4:H}-{4:H}-{4:H}-{12:H}",
     "\n"},
    {"secrets/infracost-token", "infracost.env", "INFRACOST_API_KEY=",
     "ic"
     "o-{32:A}",
     "\n"},
    {"secrets/intercom-token", "intercom.env", "INTERCOM_ACCESS_TOKEN=", "{60:U}", "\n"},
    {"secrets/intra42-client-secret", "ft.env", "FT_CLIENT_SECRET=",
     "s-s4t"
     "2ud-{64:H}",
     "\n"},
    {"secrets/jfrog-token", "jfrog.env", "ARTIFACTORY_API_KEY=",
     "AK"
     "Cp{69:A}",
     "\n"},
    {"secrets/kraken-api-key", "kraken.env", "KRAKEN_PRIVATE_KEY=", "{86:B}==", "\n"},
    {"secrets/kucoin-api-key", "kucoin.env", "KUCOIN_API_SECRET=", "{8:H}-{4:H}-{4:H}-{4:H}-{12:H}",
     "\n"},
    {"secrets/xai-api-key", "xai.env", "XAI_API_KEY=",
     "xa"
     "i-{80:A}",
     "\n"},
    {"secrets/yandex-token", "yc.env", "YC_API_KEY=",
     "AQ"
     "VN{36:U}",
     "\n"},
    {"secrets/zendesk-token", "zd.env", "ZENDESK_API_TOKEN=", "{20:A}0{19:A}", "\n"},
};

static const sample *find_sample(const char *rule) {
  for (size_t i = 0; i < QG_ARRAY_LEN(k_samples); i++)
    if (strcmp(k_samples[i].rule, rule) == 0)
      return &k_samples[i];
  return NULL;
}

static char *run(char **argv, int argc, int *status) {
  char *out = NULL, *err = NULL;
  size_t on = 0, en = 0;
  FILE *o = open_memstream(&out, &on), *e = open_memstream(&err, &en);
  FILE *in = fopen("/dev/null", "r");
  qg_cli_io io = {in, o, e, NULL, NULL};
  *status = qg_cli_run(argc, argv, &io);
  fclose(o);
  fclose(e);
  fclose(in);
  char *all = qg_xasprintf("%s%s", out ? out : "", err ? err : "");
  free(out);
  free(err);
  return all;
}

/* Every secrets rule finds its sample; no format shows the secret. */
static void test_every_rule_every_format(void **state) {
  (void)state;
  qg_ruleset rs;
  qg_ruleset_init(&rs);
  char dir[] = "/tmp/qgate-secrets-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char cwd[4096];
  assert_non_null(getcwd(cwd, sizeof(cwd)));
  assert_int_equal(chdir(dir), 0);
  size_t tested = 0;
  for (size_t i = 0; i < rs.n; i++) {
    const char *id = rs.rules[i]->id;
    if (strncmp(id, "secrets/", 8) != 0)
      continue;
    const sample *s = find_sample(id);
    if (!s)
      fail_msg("no sample for %s in tests/unit_secrets.c", id);
    char *secret = expand(s->secret);
    FILE *f = fopen(s->file, "w");
    assert_non_null(f);
    fprintf(f, "%s%s%s", s->before, secret, s->after);
    fclose(f);
    static const char *const formats[] = {"text", "json", "sarif", "findings"};
    for (size_t k = 0; k < QG_ARRAY_LEN(formats); k++) {
      char fmt[32], sel[128], file[64];
      snprintf(fmt, sizeof(fmt), "%s", formats[k]);
      snprintf(sel, sizeof(sel), "%s", id);
      snprintf(file, sizeof(file), "%s", s->file);
      char a0[] = "qgate", a1[] = "secrets", a2[] = "--format", a4[] = "--select";
      char *argv[] = {a0, a1, a2, fmt, a4, sel, file, NULL};
      int status = 0;
      char *out = run(argv, 7, &status);
      if (!strstr(out, id))
        fail_msg("%s: not reported in %s output:\n%s", id, fmt, out);
      /* neither the secret nor any 12-character piece of its random part */
      if (strstr(out, secret))
        fail_msg("%s: the secret appears in %s output", id, fmt);
      size_t sl = strlen(secret);
      for (size_t off = 0; off + 12 <= sl; off += 6) {
        char piece[13];
        memcpy(piece, secret + off, 12);
        piece[12] = '\0';
        if (strchr(piece, '-') || strchr(piece, '\n') || strchr(piece, ' '))
          continue; /* fixed text (BEGIN lines, prefixes) is not secret */
        if (strstr(out, piece))
          fail_msg("%s: a piece of the secret (%s) appears in %s output", id, piece, fmt);
      }
      assert_int_equal(status, 1);
      free(out);
    }
    remove(s->file);
    free(secret);
    tested++;
  }
  assert_int_equal(chdir(cwd), 0);
  rmdir(dir);
  assert_true(tested >= 160);
  qg_ruleset_cleanup(&rs);
}

/* The redaction function masks every secret and keeps the rest. */
static void test_redact(void **state) {
  (void)state;
  qg_ruleset rs;
  qg_ruleset_init(&rs);
  qg_result r;
  qg_result_init(&r);
  qg_secrets *s = NULL;
  assert_int_equal(qg_secrets_new(&rs, NULL, &r, &s), QG_OK);
  char *tok = expand("gh"
                     "p_{36:A}");
  char *key = expand("AK"
                     "IA{16:W}");
  char *text = qg_xasprintf("token: %s\nid=%s and AKIA"
                            "IOSFODNN7EXAMPLE stays\n",
                            tok, key);
  size_t outlen = 0, count = 0;
  char *red = qg_redact(s, text, strlen(text), &outlen, &count, NULL);
  assert_int_equal(count, 2);
  assert_null(strstr(red, tok));
  assert_null(strstr(red, key));
  assert_non_null(strstr(red, "ghp_****"));
  assert_non_null(strstr(red, "(40 chars)"));
  assert_non_null(strstr(red, "AKIA"
                              "IOSFODNN7EXAMPLE stays"));
  free(red);
  free(text);
  free(tok);
  free(key);
  qg_secrets_free(&s);
  qg_result_cleanup(&r);
  qg_ruleset_cleanup(&rs);
}

/* A secret found by its context (a generic assignment) is masked wherever
 * the text repeats it, with or without that context; a redacted copy holds
 * none of the secrets found (found by fuzz/fuzz_secrets.c). */
static void test_redact_repeats(void **state) {
  (void)state;
  qg_ruleset rs;
  qg_ruleset_init(&rs);
  qg_result r;
  qg_result_init(&r);
  qg_secrets *s = NULL;
  assert_int_equal(qg_secrets_new(&rs, NULL, &r, &s), QG_OK);
  char *pw = expand("{20:A}");
  char *text = qg_xasprintf("DB_PASSWORD=%s\n# the old one was %s too\n", pw, pw);
  qg_secrets_scan(s, "app.env", text, strlen(text), &r);
  assert_int_equal(r.findings.n, 1); /* only the assignment gives it away */
  size_t outlen = 0, count = 0;
  char *red = qg_redact(s, text, strlen(text), &outlen, &count, NULL);
  char *mask = qg_secret_mask(pw, strlen(pw));
  char *want = qg_xasprintf("DB_PASSWORD=%s\n# the old one was %s too\n", mask, mask);
  assert_string_equal(red, want);
  assert_int_equal(outlen, strlen(want));
  assert_int_equal(count, 2);
  free(want);
  free(mask);
  free(red);
  free(text);
  free(pw);
  qg_secrets_free(&s);
  qg_result_cleanup(&r);
  qg_ruleset_cleanup(&rs);
}

static void test_placeholders(void **state) {
  (void)state;
  static const char *const yes[] = {"${API_KEY}",
                                    "$(TOKEN)",
                                    "{{ .Values.token }}",
                                    "<your-token>",
                                    "changeme",
                                    "xxxxxxxxxxxx",
                                    "AKIA"
                                    "IOSFODNN7EXAMPLE",
                                    "00000000"};
  for (size_t i = 0; i < QG_ARRAY_LEN(yes); i++)
    assert_true(qg_secret_is_placeholder(yes[i], strlen(yes[i]), false));
  static const char *const generic_yes[] = {"123e4567-e89b-12d3-a456-426614174000",
                                            "d41d8cd98f00b204e9800998ecf8427e",
                                            "settings.db_password",
                                            "getPasswordFromVault",
                                            "https://example.org/x",
                                            "1.2.3"};
  for (size_t i = 0; i < QG_ARRAY_LEN(generic_yes); i++)
    assert_true(qg_secret_is_placeholder(generic_yes[i], strlen(generic_yes[i]), true));
  assert_false(qg_secret_is_placeholder("Zx8kQ2vL9mN4pR7", 15, true));
  /* a common word with only a count, a year or separators beside it is made up; a
   * real password that holds one is not */
  static const char *const made_up[] = {"Password123!",        "supersecret2024", "test_token_1",
                                        "abcdefghijkl",        "9876543210",      "abcabcabcabc",
                                        "settings.db_password"};
  for (size_t i = 0; i < QG_ARRAY_LEN(made_up); i++)
    assert_true(qg_secret_is_placeholder(made_up[i], strlen(made_up[i]), true));
  static const char *const real[] = {"mySe"
                                     "cret789",
                                     "Tq8t"
                                     "estKw3vX",
                                     "eak6"
                                     ".J27vQw9xZ"};
  for (size_t i = 0; i < QG_ARRAY_LEN(real); i++)
    assert_false(qg_secret_is_placeholder(real[i], strlen(real[i]), true));
  assert_false(
      qg_secret_is_placeholder("postgres://app:Zx8kQ2vL9@db/x", 29, true)); /* qgate:allow */
  assert_true(qg_entropy("aaaa", 4) < 0.01);
  assert_true(qg_entropy("abcd", 4) > 1.99 && qg_entropy("abcd", 4) < 2.01);
}

/* Which texts the YAML-aware pass parses: those where it can find something. */
static void test_wants_yaml(void **state) {
  (void)state;
  qg_ruleset rs;
  qg_ruleset_init(&rs);
  qg_result r;
  qg_result_init(&r);
  qg_secrets *s = NULL;
  assert_int_equal(qg_secrets_new(&rs, NULL, &r, &s), QG_OK);
  static const char *const yes[] = {
      "kind: Secret\n",
      "apiVersion: v1\n\"kind\":  'Secret' # x\n",
      "{\"kind\": \"Secret\"}",
      "env:\n  - name: DB_PASSWORD\n    value: x\n",
      "env:\n  - value: x\n    name: API_TOKEN\n",
      "env: [{name: API_KEY, value: x}]\n",
      "[{\"name\": \"API_TOKEN\",\n  \"value\": \"x\"}]",
      "env:\n- name:\n    DB_PASSWORD\n  value: x\n",
  };
  for (size_t i = 0; i < QG_ARRAY_LEN(yes); i++)
    assert_true(qg_secrets_wants_yaml(s, yes[i], strlen(yes[i])));
  static const char *const no[] = {
      "kind: SecretStore\n",
      "# kind: Secret\nkind: ConfigMap\n",
      "kind: Secrets\n",
      "environment: production\n",
      "env:\n  - name: DB_PASSWORD\n    valueFrom:\n      secretKeyRef: {name: db}\n"
      "  - name: LOG_LEVEL\n    value: info\n",
      "env:\n  - name: LOG_LEVEL\n    value: info\n",
      "name: password-service\n",
  };
  for (size_t i = 0; i < QG_ARRAY_LEN(no); i++)
    assert_false(qg_secrets_wants_yaml(s, no[i], strlen(no[i])));
  qg_secrets_free(&s);
  qg_result_cleanup(&r);
  qg_ruleset_cleanup(&rs);
}

/* An engine with every rule of the registry; *rs and *r are the caller's to clean. The
 * generator starts again from its seed, so what a test draws does not depend on how many
 * samples the table above holds. */
static qg_secrets *engine(qg_ruleset *rs, qg_result *r) {
  g_rng = 0x9e3779b97f4a7c15ULL;
  qg_ruleset_init(rs);
  qg_result_init(r);
  qg_secrets *s = NULL;
  assert_int_equal(qg_secrets_new(rs, NULL, r, &s), QG_OK);
  return s;
}

/* qg_redact masks what the YAML-aware pass reports, exactly: a Secret's
 * stringData value and its base64 data value, a credential env value (its
 * quotes kept), and leaves the rest (a certificate, a placeholder, an env
 * value whose name is not a credential's) as it is; spans name the bytes. */
static void test_redact_yaml(void **state) {
  (void)state;
  qg_ruleset rs;
  qg_result r;
  qg_secrets *s = engine(&rs, &r);
  /* the password holds a digit: a value of letters alone reads as an identifier */
  char *lit = expand("{18:A}"), *pw = expand("{15:A}7"), *plain = expand("{14:A}");
  char *b64 = expand("{24:B}");
  const char *fmt = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n"
                    "stringData:\n  conn: %s\n  user: ${DB_USER}\n  ca.crt: %s\n"
                    "data:\n  key: %s\n---\n"
                    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: api\nspec:\n  containers:\n"
                    "  - name: api\n    image: api:1\n    env:\n"
                    "    - name: DB_PASSWORD\n      value: \"%s\"\n"
                    "    - name: GREETING\n      value: %s\n";
  char *text = qg_xasprintf(fmt, lit, plain, b64, pw, plain);
  size_t outlen = 0, count = 0;
  qg_redact_span *spans = NULL;
  char *red = qg_redact(s, text, strlen(text), &outlen, &count, &spans);
  char *m1 = qg_secret_mask(lit, strlen(lit)), *m2 = qg_secret_mask(b64, strlen(b64)),
       *m3 = qg_secret_mask(pw, strlen(pw));
  char *want = qg_xasprintf(fmt, m1, plain, m2, m3, plain);
  assert_string_equal(red, want);
  assert_int_equal(outlen, strlen(want));
  assert_int_equal(count, 3);
  const char *vals[] = {lit, b64, pw};
  for (size_t i = 0; i < 3; i++) {
    const char *at = strstr(text, vals[i]);
    assert_int_equal(spans[i].start, (size_t)(at - text));
    assert_int_equal(spans[i].end, (size_t)(at - text) + strlen(vals[i]));
  }
  free(spans);
  free(want);
  free(m1);
  free(m2);
  free(m3);
  free(red);
  free(text);
  free(lit);
  free(pw);
  free(plain);
  free(b64);
  qg_secrets_free(&s);
  qg_result_cleanup(&r);
  qg_ruleset_cleanup(&rs);
}

/* Authorization shapes, as a server's error body echoes a request: the
 * credential is masked, the prose around it kept; "Bearer token" and "the
 * token budget" are words, not credentials. */
static void test_redact_auth_shapes(void **state) {
  (void)state;
  qg_ruleset rs;
  qg_result r;
  qg_secrets *s = engine(&rs, &r);
  char *k1 = expand("{20:A}"), *k2 = expand("{24:A}"),
       *k3 = expand("gl"
                    "pat-{20:U}");
  char *k4 = expand("{9:D}{9:A}");
  const char *fmt = "HTTP 401: headers: Authorization: Bearer %s; x-api-key: %s; "
                    "PRIVATE-TOKEN: %s; Authorization: token %s; missing Bearer token; the "
                    "token budget is spent; Basic authentication; Bearer authorization";
  char *text = qg_xasprintf(fmt, k1, k2, k3, k4);
  size_t count = 0;
  char *red = qg_redact(s, text, strlen(text), NULL, &count, NULL);
  char *m1 = qg_secret_mask(k1, strlen(k1)), *m2 = qg_secret_mask(k2, strlen(k2)),
       *m3 = qg_secret_mask(k3, strlen(k3)), *m4 = qg_secret_mask(k4, strlen(k4));
  char *want = qg_xasprintf(fmt, m1, m2, m3, m4);
  assert_string_equal(red, want);
  assert_int_equal(count, 4);
  free(want);
  free(red);
  free(text);
  char *m[] = {m1, m2, m3, m4, k1, k2, k3, k4};
  for (size_t i = 0; i < QG_ARRAY_LEN(m); i++)
    free(m[i]);
  qg_secrets_free(&s);
  qg_result_cleanup(&r);
  qg_ruleset_cleanup(&rs);
}

/* Known values (the credentials in use) are masked wherever they occur,
 * each line of a multi-line one too; too short a value is not kept. A
 * fragment of a file (a diff hunk) is masked with what qg_secrets_learn
 * found in the whole file, though the fragment alone gives nothing away. */
static void test_redact_known_and_learnt(void **state) {
  (void)state;
  qg_ruleset rs;
  qg_result r;
  qg_secrets *s = engine(&rs, &r);
  char *key = expand("{12:L}"), *l1 = expand("{16:L}"), *l2 = expand("{16:L}");
  qg_secrets_add_known(s, key, strlen(key));
  qg_secrets_add_known(s, "abcde", 5);
  char *multi = qg_xasprintf("%s\n  %s\n", l1, l2);
  qg_secrets_add_known(s, multi, strlen(multi));
  char *text = qg_xasprintf("echo %s; abcde;\n+ %s\n- %s\n", key, l1, l2);
  char *red = qg_redact(s, text, strlen(text), NULL, NULL, NULL);
  char *mk = qg_secret_mask(key, strlen(key)), *m1 = qg_secret_mask(l1, strlen(l1)),
       *m2 = qg_secret_mask(l2, strlen(l2));
  char *want = qg_xasprintf("echo %s; abcde;\n+ %s\n- %s\n", mk, m1, m2);
  assert_string_equal(red, want);
  free(want);
  free(red);
  free(text);

  char *val = expand("{18:A}");
  char *file = qg_xasprintf("apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n"
                            "  a: b\n  c: d\n  e: f\n  conn: %s\n",
                            val);
  char *hunk = qg_xasprintf("@@ -7,3 +7,3 @@ stringData:\n   c: d\n   e: f\n+  conn: %s\n", val);
  size_t count = 0;
  red = qg_redact(s, hunk, strlen(hunk), NULL, &count, NULL);
  assert_int_equal(count, 0); /* the hunk alone: no Secret in sight */
  free(red);
  assert_int_equal(qg_secrets_learn(s, file, strlen(file)), 1);
  assert_int_equal(qg_secrets_learn(s, file, strlen(file)), 0); /* known already */
  red = qg_redact(s, hunk, strlen(hunk), NULL, &count, NULL);
  char *mv = qg_secret_mask(val, strlen(val));
  want = qg_xasprintf("@@ -7,3 +7,3 @@ stringData:\n   c: d\n   e: f\n+  conn: %s\n", mv);
  assert_string_equal(red, want);
  free(want);
  free(red);
  free(mv);
  free(hunk);
  free(file);
  free(val);
  free(mk);
  free(m1);
  free(m2);
  free(multi);
  free(key);
  free(l1);
  free(l2);
  qg_secrets_free(&s);
  qg_result_cleanup(&r);
  qg_ruleset_cleanup(&rs);
}

/* Issue 17 (G4): qg_redact masks the YAML-aware pass's values in a file that
 * is broken elsewhere: an invalid byte before the value on its own line (a
 * lone continuation byte: the mask starts exactly at the value), a broken
 * earlier document, the first value of a duplicated key. */
static void test_redact_broken_yaml(void **state) {
  (void)state;
  qg_ruleset rs;
  qg_result r;
  qg_secrets *s = engine(&rs, &r);
  char *v1 = expand("{18:A}"), *v2 = expand("{18:A}"), *v3 = expand("{18:A}");
  char *m1 = qg_secret_mask(v1, strlen(v1)), *m2 = qg_secret_mask(v2, strlen(v2)),
       *m3 = qg_secret_mask(v3, strlen(v3));
  static const char *const shapes[] = {
      "# caf\xe9\napiVersion: v1\nkind: Secret\nstringData: {n: \xe9\x80x, conn: %s}\n%s%s",
      "a: [\n---\napiVersion: v1\nkind: Secret\nstringData:\n  conn: %s\n%s%s",
      "apiVersion: v1\nkind: Secret\nstringData:\n  conn: %s\n  conn: %s\n  conn: %s\n",
  };
  for (size_t i = 0; i < QG_ARRAY_LEN(shapes); i++) {
    char *text = qg_xasprintf(shapes[i], v1, i == 2 ? v2 : "", i == 2 ? v3 : "");
    char *want = qg_xasprintf(shapes[i], m1, i == 2 ? m2 : "", i == 2 ? m3 : "");
    char *red = qg_redact(s, text, strlen(text), NULL, NULL, NULL);
    assert_string_equal(red, want);
    free(red);
    free(want);
    free(text);
  }
  free(m1);
  free(m2);
  free(m3);
  free(v1);
  free(v2);
  free(v3);
  qg_secrets_free(&s);
  qg_result_cleanup(&r);
  qg_ruleset_cleanup(&rs);
}

/* qg_secrets_scan_yaml reads each document once: after a syntax error, the
 * rest goes document by document, and a broken last document (here after a
 * `...`) ends the pass, with what it held before its error scanned. */
static void test_scan_yaml_documents_once(void **state) {
  (void)state;
  qg_ruleset rs;
  qg_result r;
  qg_secrets *s = engine(&rs, &r);
  char *v = expand("{18:A}");
  char *text = qg_xasprintf("x: [\n...\napiVersion: v1\nkind: Secret\nstringData:\n"
                            "  conn: %s\n  b: [\n",
                            v);
  qg_result out;
  qg_result_init(&out);
  assert_int_equal(qg_secrets_scan_yaml(s, "t.yaml", text, strlen(text), NULL, &out), 2);
  assert_int_equal(out.findings.n, 1);
  assert_int_equal(out.findings.items[0].loc.line, 6);
  assert_int_equal(out.findings.items[0].loc.col, 9);
  assert_int_equal(out.findings.items[0].loc.end_col, 9 + 18);
  qg_result_cleanup(&out);
  free(text);
  free(v);
  qg_secrets_free(&s);
  qg_result_cleanup(&r);
  qg_ruleset_cleanup(&rs);
}

/* qg_redact_result masks what reports show: object names, messages,
 * diagnostics; a finding without secrets keeps its very strings. */
static void test_redact_result(void **state) {
  (void)state;
  qg_ruleset rs;
  qg_result r;
  qg_secrets *s = engine(&rs, &r);
  qg_result res;
  qg_result_init(&res);
  char *tok = expand("gh"
                     "p_{36:A}");
  const qg_rule *rule = qg_rule_find("pss/privileged");
  qg_location loc = {"pod.yaml", 3, 1, 0, 0};
  qg_context c1 = {.api_version = "v1", .kind = "Pod", .name = tok, .container = "app"};
  qg_context c2 = {.api_version = "v1", .kind = "Pod", .name = "web", .container = "app"};
  qg_result_add_finding(&res, rule, QG_SEV_HIGH, &loc, &c1, qg_xasprintf("pod \"%s\"", tok));
  qg_result_add_finding(&res, rule, QG_SEV_HIGH, &loc, &c2, qg_xstrdup("pod \"web\""));
  qg_result_diag(&res, QG_DIAG_WARNING, QG_EPARSE, &loc, "names no rule \"%s\"", tok);
  const char *web = res.findings.items[1].ctx.name, *msg = res.findings.items[1].message;
  qg_redact_result(s, &res);
  char *mask = qg_secret_mask(tok, strlen(tok));
  char *want = qg_xasprintf("pod \"%s\"", mask);
  assert_string_equal(res.findings.items[0].ctx.name, mask);
  assert_string_equal(res.findings.items[0].message, want);
  assert_string_equal(res.findings.items[0].ctx.container, "app");
  assert_ptr_equal(res.findings.items[1].ctx.name, web);
  assert_ptr_equal(res.findings.items[1].message, msg);
  free(want);
  want = qg_xasprintf("names no rule \"%s\"", mask);
  assert_string_equal(res.diags.items[0].message, want);
  free(want);
  free(mask);
  free(tok);
  qg_result_cleanup(&res);
  qg_secrets_free(&s);
  qg_result_cleanup(&r);
  qg_ruleset_cleanup(&rs);
}

/* Every rule's sample that `qgate secrets` reports on its own, put in a
 * Pod's metadata.name, namespace and a container's name, appears in no
 * report format of `qgate k8s` (the issue: a Stripe key in metadata.name was
 * in the JSON and SARIF `object`). */
static void test_object_names_every_format(void **state) {
  (void)state;
  qg_ruleset rs;
  qg_result r;
  qg_secrets *s = engine(&rs, &r);
  char dir[] = "/tmp/qgate-names-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char cwd[4096];
  assert_non_null(getcwd(cwd, sizeof(cwd)));
  assert_int_equal(chdir(dir), 0);
  size_t tested = 0;
  for (size_t i = 0; i < QG_ARRAY_LEN(k_samples); i++) {
    char *secret = expand(k_samples[i].secret);
    size_t count = 0;
    char *alone = qg_redact(s, secret, strlen(secret), NULL, &count, NULL);
    free(alone);
    if (!count || strpbrk(secret, "\n\"\\")) { /* found only in its context */
      free(secret);
      continue;
    }
    FILE *f = fopen("pod.yaml", "w");
    assert_non_null(f);
    fprintf(f,
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: \"%s\"\n  namespace: \"%s\"\nspec:\n"
            "  containers:\n  - name: \"%s\"\n    image: app:1\n"
            "    securityContext: {privileged: true}\n",
            secret, secret, secret);
    fclose(f);
    static const char *const formats[] = {"text",        "json",  "sarif",   "markdown",
                                          "codequality", "junit", "findings"};
    for (size_t k = 0; k < QG_ARRAY_LEN(formats); k++) {
      char fmt[32];
      snprintf(fmt, sizeof(fmt), "%s", formats[k]);
      char a0[] = "qgate", a1[] = "k8s", a2[] = "--format", a4[] = "pod.yaml";
      char *argv[] = {a0, a1, a2, fmt, a4, NULL};
      int status = 0;
      char *out = run(argv, 5, &status);
      if (!strstr(out, "pss/privileged") && !strstr(out, "PssPrivileged") &&
          !strstr(out, "privileged"))
        fail_msg("%s: nothing reported in %s output:\n%s", k_samples[i].rule, fmt, out);
      if (strstr(out, secret))
        fail_msg("%s: the secret appears in %s output:\n%s", k_samples[i].rule, fmt, out);
      assert_int_equal(status, 1);
      free(out);
    }
    remove("pod.yaml");
    free(secret);
    tested++;
  }
  assert_int_equal(chdir(cwd), 0);
  rmdir(dir);
  assert_true(tested >= 30);
  qg_secrets_free(&s);
  qg_result_cleanup(&r);
  qg_ruleset_cleanup(&rs);
}

/* A credential in a file's name (issue 17): every sample that is found on its own
 * and can be a file name names a directory; `qgate secrets` reports it in the name (line 0,
 * the file as a whole) and `qgate k8s` finds the pod in it, and no format of either
 * shows the sample: the path is redacted, the rest of it kept. The SARIF URI of the
 * GitHub token's is exact, and valid (percent-encoded). */
static void test_file_names_every_format(void **state) {
  (void)state;
  qg_ruleset rs;
  qg_result r;
  qg_secrets *s = engine(&rs, &r);
  char dir[] = "/tmp/qgate-filenames-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char cwd[4096];
  assert_non_null(getcwd(cwd, sizeof(cwd)));
  assert_int_equal(chdir(dir), 0);
  size_t tested = 0;
  for (size_t i = 0; i < QG_ARRAY_LEN(k_samples); i++) {
    char *secret = expand(k_samples[i].secret);
    size_t count = 0;
    char *alone = qg_redact(s, secret, strlen(secret), NULL, &count, NULL);
    free(alone);
    if (!count || strpbrk(secret, "\n\"\\/ ") || strlen(secret) > 200) {
      free(secret);
      continue;
    }
    /* a directory's name: a component ends at '/', which no rule takes for part of
     * a secret (some end one at '.' or '-' only where nothing follows) */
    assert_int_equal(mkdir(secret, 0755), 0);
    char *name = qg_xasprintf("%s/p.yaml", secret);
    FILE *f = fopen(name, "w");
    assert_non_null(f);
    fputs("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
          "  - name: a\n    image: app:1\n    securityContext: {privileged: true}\n",
          f);
    fclose(f);
    static const char *const formats[] = {"text",        "json",  "sarif",   "markdown",
                                          "codequality", "junit", "findings"};
    for (int cmd = 0; cmd < 2; cmd++)
      for (size_t k = 0; k < QG_ARRAY_LEN(formats); k++) {
        char fmt[32];
        snprintf(fmt, sizeof(fmt), "%s", formats[k]);
        char a0[] = "qgate", a2[] = "--format", a4[] = ".";
        char a1[16];
        snprintf(a1, sizeof(a1), "%s", cmd ? "k8s" : "secrets");
        char *argv[] = {a0, a1, a2, fmt, a4, NULL};
        int status = 0;
        char *out = run(argv, 5, &status);
        const char *want = cmd ? "rivileged" : k_samples[i].rule + 8;
        if (!strstr(out, want) && !strstr(out, k_samples[i].rule))
          fail_msg("%s: nothing reported in %s %s output:\n%s", k_samples[i].rule, a1, fmt, out);
        if (strstr(out, secret))
          fail_msg("%s: the secret in the name appears in %s %s output:\n%s", k_samples[i].rule, a1,
                   fmt, out);
        assert_int_equal(status, 1);
        free(out);
      }
    remove(name);
    rmdir(secret);
    free(name);
    free(secret);
    tested++;
  }
  assert_true(tested >= 30);
  /* the exact forms: text, JSON, SARIF */
  char *tok = qg_xasprintf("ghp_%s", "aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789");
  char *name = qg_xasprintf("c-%s.txt", tok);
  FILE *f = fopen(name, "w");
  assert_non_null(f);
  fputs("nothing here\n", f);
  fclose(f);
  static const char *const want[] = {
      "c-ghp_****\xe2\x80\xa6(40 chars).txt:0:0: critical secrets/github-token: GitHub token "
      "in the file's path: ghp_****\xe2\x80\xa6(40 chars)\n",
      "\"path\":\t\"c-ghp_****\xe2\x80\xa6(40 chars).txt\"",
      "\"uri\":\"c-ghp_****%E2%80%A6(40%20chars).txt\"",
  };
  static const char *const fmts[] = {"text", "json", "sarif"};
  for (size_t k = 0; k < 3; k++) {
    char fmt[16], a0[] = "qgate", a1[] = "secrets", a2[] = "--format";
    snprintf(fmt, sizeof(fmt), "%s", fmts[k]);
    char *a4 = qg_xasprintf("./%s", name);
    char *argv[] = {a0, a1, a2, fmt, a4, NULL};
    int status = 0;
    char *out = run(argv, 5, &status);
    if (!strstr(out, want[k]))
      fail_msg("%s: no '%s' in:\n%s", fmt, want[k], out);
    assert_null(strstr(out, tok));
    assert_int_equal(status, 1);
    free(out);
    free(a4);
  }
  remove(name);
  free(name);
  free(tok);
  assert_int_equal(chdir(cwd), 0);
  rmdir(dir);
  qg_secrets_free(&s);
  qg_result_cleanup(&r);
  qg_ruleset_cleanup(&rs);
}

/* qg_redact_fingerprint is the fingerprint a report shows: for every sample secret in
 * a finding's path, object name, namespace, container and field, what it gives before
 * redaction equals the fingerprint after qg_redact_result (and differs from the real
 * one); a finding without a secret keeps its own. .qgateignore matches by it. */
static void test_redact_fingerprint(void **state) {
  (void)state;
  qg_ruleset rs;
  qg_result scratch;
  qg_secrets *s = engine(&rs, &scratch);
  const qg_rule *rule = qg_rule_find("secrets/github-token");
  assert_non_null(rule);
  size_t tested = 0;
  for (size_t i = 0; i < QG_ARRAY_LEN(k_samples); i++) {
    char *secret = expand(k_samples[i].secret);
    size_t count = 0;
    char *alone = qg_redact(s, secret, strlen(secret), NULL, &count, NULL);
    free(alone);
    if (!count || strpbrk(secret, "\n/") || strlen(secret) > 200) {
      free(secret);
      continue;
    }
    for (int where = 0; where < 5; where++) {
      char *path = qg_xasprintf("d/%s/x.yaml", where == 0 ? secret : "plain");
      char *text = qg_xstrdup(secret); /* alone, as qg_redact masked it above */
      qg_context ctx = {"v1",
                        "Pod",
                        where == 1 ? text : "ns",
                        where == 2 ? text : "p",
                        where == 3 ? text : "app",
                        where == 4 ? text : "spec.x"};
      qg_location loc = {path, 1, 1, 0, 0};
      qg_result r;
      qg_result_init(&r);
      qg_finding *f = qg_result_add_finding(&r, rule, QG_SEV_HIGH, &loc, &ctx, qg_xstrdup("m"));
      char real[17], shown[17], after[17];
      qg_finding_fingerprint(f, real);
      qg_redact_fingerprint(s, f, shown);
      qg_redact_result(s, &r);
      qg_finding_fingerprint(&r.findings.items[0], after);
      if (strcmp(shown, after) != 0 || strcmp(real, after) == 0)
        fail_msg("%s in field %d: shown %s, after redaction %s, real %s", k_samples[i].rule, where,
                 shown, after, real);
      qg_result_cleanup(&r);
      free(text);
      free(path);
    }
    free(secret);
    tested++;
  }
  assert_true(tested >= 30);
  /* nothing to mask: the finding's own fingerprint */
  qg_location loc = {"k8s/pod.yaml", 3, 5, 0, 0};
  qg_context ctx = {"v1", "Pod", "default", "web", "app", "spec.containers[app].image"};
  qg_result r;
  qg_result_init(&r);
  qg_finding *f = qg_result_add_finding(&r, rule, QG_SEV_HIGH, &loc, &ctx, qg_xstrdup("m"));
  char real[17], shown[17];
  qg_finding_fingerprint(f, real);
  qg_redact_fingerprint(s, f, shown);
  assert_string_equal(shown, real);
  qg_redact_fingerprint(NULL, f, shown);
  assert_string_equal(shown, real);
  qg_result_cleanup(&r);
  qg_secrets_free(&s);
  qg_ruleset_cleanup(&rs);
  qg_result_cleanup(&scratch);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_wants_yaml),
      cmocka_unit_test(test_every_rule_every_format),
      cmocka_unit_test(test_redact),
      cmocka_unit_test(test_redact_repeats),
      cmocka_unit_test(test_redact_yaml),
      cmocka_unit_test(test_redact_auth_shapes),
      cmocka_unit_test(test_redact_known_and_learnt),
      cmocka_unit_test(test_redact_broken_yaml),
      cmocka_unit_test(test_scan_yaml_documents_once),
      cmocka_unit_test(test_redact_result),
      cmocka_unit_test(test_object_names_every_format),
      cmocka_unit_test(test_file_names_every_format),
      cmocka_unit_test(test_redact_fingerprint),
      cmocka_unit_test(test_placeholders),
  };
  return cmocka_run_group_tests_name("secrets", tests, NULL, NULL);
}
