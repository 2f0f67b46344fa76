// tests/e2e/js/providers.mjs - the AWS SDK for JavaScript v3 getting credentials from iamd on its own.
// Run by tests/e2e/test_js_providers.py: `node providers.mjs MODE`. The SDK's credential provider
// (not this script) calls iamd's STS; the script then uses the credentials against iamd's STS and IAM
// and prints one JSON object on stdout: {ok, mode, identity, users, accessKeyId, expiration} or
// {ok: false, error: {name, code, message, status}}. Exit code 0 either way unless the script itself broke.
//
// MODE:
//   ini           fromIni({profile: IAMD_PROFILE}); the inner STS client finds iamd through
//                 AWS_ENDPOINT_URL_STS (the SDK's service-specific endpoint setting).
//   ini-config    the same, but the inner STS client gets iamd's endpoint through fromIni's clientConfig.
//   node-chain    fromNodeProviderChain(): the SDK's default chain picks the profile from AWS_PROFILE.
//   web-identity  fromTokenFile(): AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE (+ AWS_ROLE_SESSION_NAME).
// Env: IAMD_ENDPOINT (iamd's URL, used for the clients this script makes), AWS_REGION, and the
// AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE the test wrote.
import { IAMClient, ListUsersCommand } from "@aws-sdk/client-iam";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { fromIni, fromNodeProviderChain, fromTokenFile } from "@aws-sdk/credential-providers";

const mode = process.argv[2] || "ini";
const endpoint = process.env.IAMD_ENDPOINT;
const region = process.env.AWS_REGION || "us-east-1";
const profile = process.env.IAMD_PROFILE || "assumer";

function provider() {
    switch (mode) {
        case "ini":
            return fromIni({ profile });
        case "ini-config":
            return fromIni({ profile, clientConfig: { endpoint, region } });
        case "node-chain":
            return fromNodeProviderChain();
        case "web-identity":
            return fromTokenFile();
        default:
            throw new Error(`unknown mode ${mode}`);
    }
}

async function main() {
    if (!endpoint) throw new Error("IAMD_ENDPOINT is not set");
    // One provider shared by both clients: the SDK calls it (and so AssumeRole) once and caches
    // the credentials until they near expiry, as an application would see it.
    const raw = provider();
    let cached;
    const credentials = async () => (cached ??= await raw());
    const clientConfig = { endpoint, region, credentials, maxAttempts: 1 };
    const sts = new STSClient(clientConfig);
    const iam = new IAMClient(clientConfig);
    const id = await sts.send(new GetCallerIdentityCommand({}));
    const users = await iam.send(new ListUsersCommand({ MaxItems: 1000 }));
    const c = await credentials();
    return {
        ok: true,
        mode,
        identity: { Account: id.Account, Arn: id.Arn, UserId: id.UserId },
        users: (users.Users || []).map((u) => u.UserName),
        accessKeyId: c.accessKeyId,
        hasSessionToken: Boolean(c.sessionToken),
        expiration: c.expiration ? c.expiration.toISOString() : null,
    };
}

main().then(
    (out) => process.stdout.write(JSON.stringify(out) + "\n"),
    (e) => {
        process.stdout.write(
            JSON.stringify({
                ok: false,
                mode,
                error: {
                    name: e?.name,
                    code: e?.Code ?? e?.code ?? e?.name,
                    message: String(e?.message ?? e),
                    status: e?.$metadata?.httpStatusCode ?? null,
                },
            }) + "\n",
        );
    },
);
