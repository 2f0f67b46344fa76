/* test_validate.c - iam_policy_validate(): a table of documents per rule
 * (each with a failing and a passing example), generated size-limit cases
 * per kind, the finding cap and order, and the kind names.
 * Documents in the table use ' for " (and ` for a literal ') so they read
 * as JSON; unquote() translates them before validation. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "iam/policy.h"

/* One row: a document, its kind, what must come out. */
typedef struct vcase {
    const char *name;
    iam_policy_kind kind;
    const char *doc;  /* ' stands for ", ` for ' */
    int errors;       /* exact number of errors */
    int warnings;     /* exact number of warnings, -1: not checked */
    const char *code; /* some finding has this code (NULL: not checked) */
    const char *path; /* ...and its path contains this (NULL: not checked) */
    int line, column; /* ...and sits here (0: not checked) */
} vcase;

#define GEN IAM_KIND_GENERIC
#define IDN IAM_KIND_IDENTITY
#define RES IAM_KIND_RESOURCE
#define TRU IAM_KIND_TRUST
#define SCP IAM_KIND_SCP
#define RCP IAM_KIND_RCP
#define SES IAM_KIND_SESSION
#define VPC IAM_KIND_VPC_ENDPOINT

#define MAL "MalformedPolicyDocument"
#define OPR "UnknownOperator"
#define JSN "InvalidJson"

/* Document shells: a 2012-10-17 policy around statements, and statement
 * bodies for the common kinds. */
#define DOC(stmts) "{'Version':'2012-10-17','Statement':[" stmts "]}"
#define DOC08(stmts) "{'Version':'2008-10-17','Statement':[" stmts "]}"
#define NOVER(stmts) "{'Statement':[" stmts "]}"
#define ALLOW(rest) "{'Effect':'Allow'," rest "}"
#define DENY(rest) "{'Effect':'Deny'," rest "}"
/* identity statement with a condition */
#define IDCOND(cond) DOC(ALLOW("'Action':'s3:GetObject','Resource':'*','Condition':" cond))
#define IDCOND_DENY(cond) DOC(DENY("'Action':'s3:GetObject','Resource':'*','Condition':" cond))
/* resource-policy statement with a principal */
#define RESPRIN(p) DOC(ALLOW("'Principal':" p ",'Action':'s3:GetObject','Resource':'arn:aws:s3:::b/*'"))
#define TRUST(rest) DOC(ALLOW("'Principal':{'Service':'ec2.amazonaws.com'}," rest))
#define RCPDENY(rest) DOC(DENY("'Principal':'*'," rest))
#define CANON "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"

static const vcase CASES[] = {
    /* ---- document shape ---- */
    { "minimal identity", IDN, DOC(ALLOW("'Action':'s3:GetObject','Resource':'*'")), 0, 0, NULL, NULL, 0, 0 },
    { "statement as object", IDN, "{'Statement':{'Effect':'Allow','Action':'s3:GetObject','Resource':'*'}}", 0, 0, NULL, NULL, 0, 0 },
    { "statement object path", IDN, "{'Statement':{'Effect':'Allow','Action':'s3 Get','Resource':'*'}}", 1, 0, MAL, "Statement.Action", 0, 0 },
    { "unknown top-level", IDN, "{'Foo':1,'Statement':[{'Effect':'Allow','Action':'*','Resource':'*'}]}", 1, 0, MAL, "Foo", 0, 0 },
    { "top-level key case", IDN, "{'statement':[{'Effect':'Allow','Action':'*','Resource':'*'}]}", 2, 0, MAL, "statement", 0, 0 },
    { "version 2008", IDN, DOC08(ALLOW("'Action':'*','Resource':'*'")), 0, 0, NULL, NULL, 0, 0 },
    { "no version", IDN, NOVER(ALLOW("'Action':'*','Resource':'*'")), 0, 0, NULL, NULL, 0, 0 },
    { "bad version", IDN, "{'Version':'2012-10-18','Statement':[{'Effect':'Allow','Action':'*','Resource':'*'}]}", 1, 0, MAL, "Version", 0, 0 },
    { "version not string", IDN, "{'Version':2012,'Statement':[{'Effect':'Allow','Action':'*','Resource':'*'}]}", 1, 0, MAL, "Version", 0, 0 },
    { "id in resource policy", RES, "{'Id':'P1','Statement':[{'Effect':'Allow','Principal':'*','Action':'s3:*','Resource':'*'}]}", 0, 0, NULL, NULL, 0, 0 },
    { "id in identity policy", IDN, "{'Id':'P1','Statement':[{'Effect':'Allow','Action':'*','Resource':'*'}]}", 0, 1, "IdInIdentityPolicy", "Id", 0, 0 },
    { "id not string", RES, "{'Id':[],'Statement':[{'Effect':'Allow','Principal':'*','Action':'s3:*','Resource':'*'}]}", 1, 0, MAL, "Id", 0, 0 },
    { "no statement", IDN, "{'Version':'2012-10-17'}", 1, 0, MAL, "", 0, 0 },
    { "empty statement array", IDN, "{'Statement':[]}", 1, 0, MAL, "Statement", 0, 0 },
    { "statement string", IDN, "{'Statement':'x'}", 1, 0, MAL, "Statement", 0, 0 },
    { "statement item not object", IDN, DOC(ALLOW("'Action':'*','Resource':'*'") ",'x'"), 1, 0, MAL, "Statement[1]", 0, 0 },
    { "root is array", IDN, "[]", 1, 0, MAL, NULL, 0, 0 },
    { "root is array of statements", GEN, "[{'Effect':'Allow','Action':'*'}]", 1, 0, MAL, NULL, 0, 0 },

    /* ---- JSON syntax ---- */
    { "syntax error position", IDN, "{\n  'Statement': [\n    {'Effect': 'Allow',, 'Action': '*'}\n  ]\n}", 1, 0, JSN, "", 3, 24 },
    { "unterminated", IDN, "{'Statement': [", 1, 0, JSN, NULL, 1, 15 },
    { "trailing garbage", IDN, DOC(ALLOW("'Action':'*','Resource':'*'")) " x", 1, 0, JSN, NULL, 0, 0 },
    { "empty input", IDN, "", 1, 0, JSN, NULL, 0, 0 },
    { "invalid utf-8", IDN, DOC(ALLOW("'Action':'*','Resource':'arn:aws:s3:::\xff'")), 1, 0, JSN, NULL, 0, 0 },
    { "raw control char in string", IDN, DOC(ALLOW("'Action':'*','Resource':'a\x01'")), 1, 0, JSN, NULL, 0, 0 },
    { "duplicate key", IDN, "{'Statement':[{'Effect':'Allow',\n'Effect':'Deny','Action':'*','Resource':'*'}]}", 1, 0, MAL, NULL, 2, 8 },
    { "duplicate top-level key", IDN, "{'Version':'2012-10-17','Version':'2012-10-17','Statement':[]}", 1, 0, MAL, NULL, 1, 33 },

    /* ---- characters ---- */
    { "latin-1 character ok", IDN, IDCOND("{'StringEquals':{'aws:username':'jos\xc3\xa9'}}"), 0, 0, NULL, NULL, 0, 0 },
    { "U+0100 rejected", IDN, "{'Statement':{'Effect':'Allow','Action':'*',\n'Resource':'arn:aws:s3:::\xc4\x80'}}", 1, 0, MAL, "", 2, 26 },
    { "U+2028 rejected", IDN, IDCOND("{'StringEquals':{'aws:username':'a\xe2\x80\xa8'}}"), 1, 0, MAL, "", 1, 0 },
    { "emoji rejected", GEN, IDCOND("{'StringEquals':{'aws:username':'\xf0\x9f\x98\x80'}}"), 1, 0, MAL, "", 0, 0 },
    { "escaped U+0100 passes", IDN, IDCOND("{'StringEquals':{'aws:username':'\\u0100'}}"), 0, 0, NULL, NULL, 0, 0 },
    { "DEL passes", IDN, IDCOND("{'StringEquals':{'aws:username':'a\x7f'}}"), 0, 0, NULL, NULL, 0, 0 },

    /* ---- statement elements ---- */
    { "unknown element", IDN, DOC(ALLOW("'Actions':'*','Resource':'*'")), 2, 0, MAL, "Statement[0].Actions", 0, 0 },
    { "element name case", IDN, DOC(ALLOW("'action':'*','Resource':'*'")), 2, 0, MAL, "Statement[0].action", 0, 0 },
    { "no effect", IDN, DOC("{'Action':'*','Resource':'*'}"), 1, 0, MAL, "Statement[0]", 0, 0 },
    { "effect lower case", IDN, DOC("{'Effect':'allow','Action':'*','Resource':'*'}"), 1, 0, MAL, "Statement[0].Effect", 0, 0 },
    { "effect not string", IDN, DOC("{'Effect':true,'Action':'*','Resource':'*'}"), 1, 0, MAL, "Statement[0].Effect", 0, 0 },
    { "deny ok", IDN, DOC(DENY("'Action':'*','Resource':'*'")), 0, 0, NULL, NULL, 0, 0 },
    { "action and notaction", IDN, DOC(DENY("'Action':'*','NotAction':'s3:*','Resource':'*'")), 1, 0, MAL, "Statement[0]", 0, 0 },
    { "no action", IDN, DOC(ALLOW("'Resource':'*'")), 1, 0, MAL, "Statement[0]", 0, 0 },
    { "resource and notresource", IDN, DOC(DENY("'Action':'*','Resource':'*','NotResource':'*'")), 1, 0, MAL, "Statement[0]", 0, 0 },
    { "identity needs resource", IDN, DOC(ALLOW("'Action':'*'")), 1, 0, MAL, "Statement[0]", 0, 0 },
    { "generic needs no resource", GEN, DOC(ALLOW("'Action':'*'")), 0, 0, NULL, NULL, 0, 0 },
    { "identity principal", IDN, DOC(ALLOW("'Principal':'*','Action':'*','Resource':'*'")), 1, 0, MAL, "Statement[0].Principal", 0, 0 },
    { "identity notprincipal", IDN, DOC(DENY("'NotPrincipal':{'AWS':'123456789012'},'Action':'*','Resource':'*'")), 1, 0, MAL, "Statement[0].NotPrincipal", 0, 0 },
    { "second statement path", IDN, DOC(ALLOW("'Action':'*','Resource':'*'") "," ALLOW("'Action':'*','Resource':'*','Bogus':1")), 1, 0, MAL, "Statement[1].Bogus", 0, 0 },

    /* ---- Sid ---- */
    { "sid ok", IDN, DOC(ALLOW("'Sid':'Stmt1','Action':'*','Resource':'*'")), 0, 0, NULL, NULL, 0, 0 },
    { "sid with space in IAM", IDN, DOC(ALLOW("'Sid':'my sid','Action':'*','Resource':'*'")), 1, 0, MAL, "Statement[0].Sid", 0, 0 },
    { "sid with dash in SCP", SCP, DOC(ALLOW("'Sid':'a-b','Action':'*','Resource':'*'")), 1, 0, MAL, "Sid", 0, 0 },
    { "sid with space in resource", RES, DOC(ALLOW("'Sid':'my sid','Principal':'*','Action':'s3:*','Resource':'*'")), 0, 0, NULL, NULL, 0, 0 },
    { "sid not string", RES, DOC(ALLOW("'Sid':1,'Principal':'*','Action':'s3:*','Resource':'*'")), 1, 0, MAL, "Statement[0].Sid", 0, 0 },
    { "duplicate sid", IDN, DOC(ALLOW("'Sid':'A','Action':'*','Resource':'*'") "," DENY("'Sid':'B','Action':'*','Resource':'*'") "," DENY("'Sid':'A','Action':'*','Resource':'*'")), 1, 0, MAL, "Statement[2].Sid", 0, 0 },
    { "sid case differs", IDN, DOC(ALLOW("'Sid':'A','Action':'*','Resource':'*'") "," DENY("'Sid':'a','Action':'*','Resource':'*'")), 0, 0, NULL, NULL, 0, 0 },
    { "duplicate sid in resource", RES, DOC(ALLOW("'Sid':'A','Principal':'*','Action':'s3:*','Resource':'*'") "," ALLOW("'Sid':'A','Principal':'*','Action':'s3:*','Resource':'*'")), 0, 0, NULL, NULL, 0, 0 },
    { "two empty sids", IDN, DOC(ALLOW("'Sid':'','Action':'*','Resource':'*'") "," DENY("'Sid':'','Action':'*','Resource':'*'")), 0, 0, NULL, NULL, 0, 0 },

    /* ---- Action ---- */
    { "action star", IDN, DOC(ALLOW("'Action':'*','Resource':'*'")), 0, 0, NULL, NULL, 0, 0 },
    { "action patterns", IDN, DOC(ALLOW("'Action':['s3:*','S3:get*','iam:*AccessKey?','access-analyzer:List*'],'Resource':'*'")), 0, 0, NULL, NULL, 0, 0 },
    { "action no colon", IDN, DOC(ALLOW("'Action':'s3GetObject','Resource':'*'")), 1, 0, MAL, "Statement[0].Action", 0, 0 },
    { "action empty prefix", IDN, DOC(ALLOW("'Action':':GetObject','Resource':'*'")), 1, 0, MAL, "Action", 0, 0 },
    { "action empty name", IDN, DOC(ALLOW("'Action':'s3:','Resource':'*'")), 1, 0, MAL, "Action", 0, 0 },
    { "action space", IDN, DOC(ALLOW("'Action':'s3:Get Object','Resource':'*'")), 1, 0, MAL, "Action", 0, 0 },
    { "action leading space", IDN, DOC(ALLOW("'Action':' s3:GetObject','Resource':'*'")), 1, 0, MAL, "Action", 0, 0 },
    { "action underscore prefix", IDN, DOC(ALLOW("'Action':'s3_x:Get','Resource':'*'")), 1, 0, MAL, "Action", 0, 0 },
    { "action wildcard prefix", IDN, DOC(ALLOW("'Action':'s*:Get','Resource':'*'")), 1, 0, MAL, "Action", 0, 0 },
    { "action two colons", IDN, DOC(ALLOW("'Action':'s3:Get:Object','Resource':'*'")), 1, 0, MAL, "Action", 0, 0 },
    { "action empty string", IDN, DOC(ALLOW("'Action':'','Resource':'*'")), 1, 0, MAL, "Action", 0, 0 },
    { "action variable", IDN, DOC(ALLOW("'Action':'s3:${aws:username}','Resource':'*'")), 1, 0, MAL, "Action", 0, 0 },
    { "action empty array", IDN, DOC(ALLOW("'Action':[],'Resource':'*'")), 1, 0, MAL, "Statement[0].Action", 0, 0 },
    { "action number item", IDN, DOC(ALLOW("'Action':['s3:GetObject',5],'Resource':'*'")), 1, 0, MAL, "Statement[0].Action[1]", 0, 0 },
    { "action bad third item", IDN, DOC(ALLOW("'Action':['s3:GetObject','s3:PutObject','s3 x'],'Resource':'*'")), 1, 0, MAL, "Statement[0].Action[2]", 0, 0 },
    { "action object", IDN, DOC(ALLOW("'Action':{},'Resource':'*'")), 1, 0, MAL, "Action", 0, 0 },
    { "allow notaction warns", IDN, DOC(ALLOW("'NotAction':'iam:*','Resource':'*'")), 0, 1, "AllowWithNotAction", "Statement[0].NotAction", 0, 0 },
    { "deny notaction quiet", IDN, DOC(DENY("'NotAction':'iam:*','Resource':'*'")), 0, 0, NULL, NULL, 0, 0 },
    { "notaction bad item", IDN, DOC(DENY("'NotAction':['iam:*','x'],'Resource':'*'")), 1, 0, MAL, "NotAction[1]", 0, 0 },

    /* ---- Resource ---- */
    { "resource arn", IDN, DOC(ALLOW("'Action':'s3:*','Resource':['arn:aws:s3:::b','arn:aws:s3:::b/*']")), 0, 0, NULL, NULL, 0, 0 },
    { "resource wildcards in fields", IDN, DOC(ALLOW("'Action':'s3:*','Resource':'arn:*:s3:*:*:b'")), 0, 0, NULL, NULL, 0, 0 },
    { "resource colons in resource part", IDN, DOC(ALLOW("'Action':'*','Resource':'arn:aws:logs:us-east-1:123456789012:log-group:g:*'")), 0, 0, NULL, NULL, 0, 0 },
    { "resource not arn", IDN, DOC(ALLOW("'Action':'s3:*','Resource':'bucket'")), 1, 0, MAL, "Statement[0].Resource", 0, 0 },
    { "resource ARN upper", IDN, DOC(ALLOW("'Action':'s3:*','Resource':'ARN:aws:s3:::b'")), 1, 0, MAL, "Resource", 0, 0 },
    { "resource four colons", IDN, DOC(ALLOW("'Action':'s3:*','Resource':'arn:aws:s3::b'")), 1, 0, MAL, "Resource", 0, 0 },
    { "resource empty partition", IDN, DOC(ALLOW("'Action':'s3:*','Resource':'arn::s3:::b'")), 1, 0, MAL, "Resource", 0, 0 },
    { "resource empty service", IDN, DOC(ALLOW("'Action':'s3:*','Resource':'arn:aws::::b'")), 1, 0, MAL, "Resource", 0, 0 },
    { "resource wildcard service", IDN, DOC(ALLOW("'Action':'s3:*','Resource':'arn:aws:s3*:::b'")), 1, 0, MAL, "Resource", 0, 0 },
    { "resource empty", IDN, DOC(ALLOW("'Action':'s3:*','Resource':''")), 1, 0, MAL, "Resource", 0, 0 },
    { "resource bad second item", IDN, DOC(ALLOW("'Action':'s3:*','Resource':['*',null]")), 1, 0, MAL, "Statement[0].Resource[1]", 0, 0 },
    { "resource variable ok", IDN, DOC(ALLOW("'Action':'s3:*','Resource':'arn:aws:s3:::b/home/${aws:username}/*'")), 0, 0, NULL, NULL, 0, 0 },
    { "resource variable legacy", IDN, DOC08(ALLOW("'Action':'s3:*','Resource':'arn:aws:s3:::b/${aws:username}'")), 0, 1, "VariableInLegacyVersion", "Statement[0].Resource", 0, 0 },
    { "resource variable no version", IDN, NOVER(ALLOW("'Action':'s3:*','Resource':'arn:aws:s3:::b/${aws:username}'")), 0, 1, "VariableInLegacyVersion", "Resource", 0, 0 },
    { "resource variable in account", IDN, DOC(ALLOW("'Action':'iam:*','Resource':'arn:aws:iam::${aws:PrincipalAccount}:user/x'")), 0, 1, "VariableOutsideArnResource", "Resource", 0, 0 },
    { "resource variable in region", IDN, DOC(ALLOW("'Action':'ec2:*','Resource':['*','arn:aws:ec2:${aws:RequestedRegion}:123456789012:instance/*']")), 0, 1, "VariableOutsideArnResource", "Resource[1]", 0, 0 },
    { "resource unclosed variable", IDN, DOC(ALLOW("'Action':'s3:*','Resource':'arn:aws:s3:::b/${aws:username'")), 0, 0, NULL, NULL, 0, 0 },
    { "allow notresource warns", IDN, DOC(ALLOW("'Action':'s3:*','NotResource':'arn:aws:s3:::b'")), 0, 1, "AllowWithNotResource", "Statement[0].NotResource", 0, 0 },
    { "deny notresource quiet", IDN, DOC(DENY("'Action':'s3:*','NotResource':'arn:aws:s3:::b'")), 0, 0, NULL, NULL, 0, 0 },

    /* ---- Principal (resource policies) ---- */
    { "principal star", RES, RESPRIN("'*'"), 0, 0, NULL, NULL, 0, 0 },
    { "principal aws star", RES, RESPRIN("{'AWS':'*'}"), 0, 0, NULL, NULL, 0, 0 },
    { "principal account", RES, RESPRIN("{'AWS':'123456789012'}"), 0, 0, NULL, NULL, 0, 0 },
    { "principal arns", RES, RESPRIN("{'AWS':['arn:aws:iam::123456789012:root','arn:aws:iam::123456789012:role/p/r','arn:aws:sts::123456789012:assumed-role/r/s']}"), 0, 0, NULL, NULL, 0, 0 },
    { "principal several types", RES, RESPRIN("{'AWS':'123456789012','Service':['lambda.amazonaws.com','logs.us-east-1.amazonaws.com'],'CanonicalUser':'" CANON "'}"), 0, 0, NULL, NULL, 0, 0 },
    { "principal short account", RES, RESPRIN("{'AWS':'12345'}"), 1, 0, MAL, "Statement[0].Principal.AWS", 0, 0 },
    { "principal partial wildcard", RES, RESPRIN("{'AWS':'arn:aws:iam::123456789012:user/*'}"), 1, 0, MAL, "Principal.AWS", 0, 0 },
    { "principal account wildcard", RES, RESPRIN("{'AWS':'arn:aws:iam::*:root'}"), 1, 0, MAL, "Principal.AWS", 0, 0 },
    { "principal s3 arn", RES, RESPRIN("{'AWS':'arn:aws:s3:::b'}"), 1, 0, MAL, "Principal.AWS", 0, 0 },
    { "principal iam arn with region", RES, RESPRIN("{'AWS':'arn:aws:iam:us-east-1:123456789012:root'}"), 1, 0, MAL, "Principal.AWS", 0, 0 },
    { "principal bad array item", RES, RESPRIN("{'AWS':['123456789012','root']}"), 1, 0, MAL, "Principal.AWS[1]", 0, 0 },
    { "principal empty array", RES, RESPRIN("{'AWS':[]}"), 1, 0, MAL, "Principal.AWS", 0, 0 },
    { "principal number", RES, RESPRIN("{'AWS':123456789012}"), 1, 0, MAL, "Principal.AWS", 0, 0 },
    { "principal service bad", RES, RESPRIN("{'Service':'lambda'}"), 1, 0, MAL, "Principal.Service", 0, 0 },
    { "principal service star", RES, RESPRIN("{'Service':'*'}"), 1, 0, MAL, "Principal.Service", 0, 0 },
    { "principal federated oidc", RES, RESPRIN("{'Federated':'arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC'}"), 0, 0, NULL, NULL, 0, 0 },
    { "principal federated host", RES, RESPRIN("{'Federated':'cognito-identity.amazonaws.com'}"), 0, 0, NULL, NULL, 0, 0 },
    { "principal federated role arn", RES, RESPRIN("{'Federated':'arn:aws:iam::123456789012:role/r'}"), 1, 0, MAL, "Principal.Federated", 0, 0 },
    { "principal canonical bad", RES, RESPRIN("{'CanonicalUser':'abc'}"), 1, 0, MAL, "Principal.CanonicalUser", 0, 0 },
    { "principal unknown type", RES, RESPRIN("{'Group':'x'}"), 1, 0, MAL, "Statement[0].Principal.Group", 0, 0 },
    { "principal empty object", RES, RESPRIN("{}"), 1, 0, MAL, "Statement[0].Principal", 0, 0 },
    { "principal arn string", RES, RESPRIN("'arn:aws:iam::123456789012:root'"), 1, 0, MAL, "Statement[0].Principal", 0, 0 },
    { "principal array", RES, RESPRIN("['*']"), 1, 0, MAL, "Statement[0].Principal", 0, 0 },
    { "principal variable", RES, RESPRIN("{'AWS':'arn:aws:iam::123456789012:user/${aws:username}'}"), 0, 1, "VariableNotSupported", "Principal.AWS", 0, 0 },
    { "resource policy needs principal", RES, DOC(ALLOW("'Action':'s3:*','Resource':'*'")), 1, 0, MAL, "Statement[0]", 0, 0 },
    { "resource policy needs resource", RES, DOC(ALLOW("'Principal':'*','Action':'s3:*'")), 1, 0, MAL, "Statement[0]", 0, 0 },
    { "principal and notprincipal", RES, DOC(DENY("'Principal':'*','NotPrincipal':'*','Action':'s3:*','Resource':'*'")), 1, 1, MAL, "Statement[0]", 0, 0 },
    { "deny notprincipal warns", RES, DOC(DENY("'NotPrincipal':{'AWS':'arn:aws:iam::123456789012:role/r'},'Action':'s3:*','Resource':'*'")), 0, 1, "DenyWithNotPrincipal", "Statement[0].NotPrincipal", 0, 0 },
    { "allow notprincipal warns", RES, DOC(ALLOW("'NotPrincipal':{'AWS':'123456789012'},'Action':'s3:*','Resource':'*'")), 0, 1, "AllowWithNotPrincipal", "NotPrincipal", 0, 0 },
    { "notprincipal bad value", RES, DOC(DENY("'NotPrincipal':{'AWS':'x'},'Action':'s3:*','Resource':'*'")), 1, 1, MAL, "NotPrincipal.AWS", 0, 0 },
    { "generic principal optional", GEN, DOC(ALLOW("'Action':'s3:*','Resource':'*'") "," ALLOW("'Principal':{'AWS':'123456789012'},'Action':'s3:*'")), 0, 0, NULL, NULL, 0, 0 },
    { "generic principal checked", GEN, DOC(ALLOW("'Principal':{'AWS':'nope'},'Action':'s3:*'")), 1, 0, MAL, "Principal.AWS", 0, 0 },
    { "generic sid free", GEN, DOC(ALLOW("'Sid':'any thing!','Action':'*'") "," ALLOW("'Sid':'any thing!','Action':'*'")), 0, 0, NULL, NULL, 0, 0 },
    { "generic id quiet", GEN, "{'Id':'x','Statement':{'Effect':'Allow','Action':'*'}}", 0, 0, NULL, NULL, 0, 0 },

    /* ---- VPC endpoint ---- */
    { "vpce default policy", VPC, "{'Statement':[{'Effect':'Allow','Principal':'*','Action':'*','Resource':'*'}]}", 0, 0, NULL, NULL, 0, 0 },
    { "vpce needs principal", VPC, DOC(ALLOW("'Action':'s3:*','Resource':'*'")), 1, 0, MAL, "Statement[0]", 0, 0 },
    { "vpce needs resource", VPC, DOC(ALLOW("'Principal':'*','Action':'s3:*'")), 1, 0, MAL, "Statement[0]", 0, 0 },

    /* ---- Condition ---- */
    { "condition ok", IDN, IDCOND("{'StringEquals':{'aws:username':['a','b'],'s3:prefix':'p/'},'Bool':{'aws:SecureTransport':'true'}}"), 0, 0, NULL, NULL, 0, 0 },
    { "condition empty object", IDN, IDCOND("{}"), 0, 0, NULL, NULL, 0, 0 },
    { "unknown operator", IDN, IDCOND("{'StringLikee':{'aws:username':'a'}}"), 1, 0, OPR, "Statement[0].Condition.StringLikee", 0, 0 },
    { "operator case", IDN, IDCOND("{'stringequals':{'aws:username':'a'}}"), 1, 0, OPR, "Condition.stringequals", 0, 0 },
    { "null ifexists", IDN, IDCOND("{'NullIfExists':{'aws:username':'true'}}"), 1, 0, OPR, "Condition.NullIfExists", 0, 0 },
    { "set prefix on null", IDN, IDCOND("{'ForAnyValue:Null':{'aws:username':'true'}}"), 1, 0, OPR, "Condition", 0, 0 },
    { "ifexists ok", IDN, IDCOND("{'StringLikeIfExists':{'aws:username':'a*'},'ForAnyValue:StringEqualsIfExists':{'aws:TagKeys':'k'}}"), 0, 0, NULL, NULL, 0, 0 },
    { "set prefix any case", IDN, IDCOND_DENY("{'forallvalues:StringEquals':{'aws:TagKeys':['a','b']}}"), 0, 0, NULL, NULL, 0, 0 },
    { "forallvalues with allow", IDN, IDCOND("{'ForAllValues:StringEquals':{'aws:TagKeys':['a','b']}}"), 0, 1, "ForAllValuesWithAllow", "Statement[0].Condition.ForAllValues:StringEquals", 0, 0 },
    { "forallvalues with deny", IDN, IDCOND_DENY("{'ForAllValues:StringEquals':{'aws:TagKeys':['a','b']}}"), 0, 0, NULL, NULL, 0, 0 },
    { "condition array", IDN, IDCOND("[]"), 1, 0, MAL, "Statement[0].Condition", 0, 0 },
    { "operator value string", IDN, IDCOND("{'StringEquals':'a'}"), 1, 0, MAL, "Condition.StringEquals", 0, 0 },
    { "operator without keys", IDN, IDCOND("{'StringEquals':{}}"), 1, 0, MAL, "Condition.StringEquals", 0, 0 },
    { "empty condition key", IDN, IDCOND("{'StringEquals':{'':'a'}}"), 1, 0, MAL, "Condition.StringEquals", 0, 0 },
    { "condition null value", IDN, IDCOND("{'StringLike':{'aws:username':null}}"), 1, 0, MAL, "Statement[0].Condition.StringLike.aws:username", 0, 0 },
    { "condition object value", IDN, IDCOND("{'StringLike':{'aws:username':{}}}"), 1, 0, MAL, "Condition.StringLike.aws:username", 0, 0 },
    { "condition empty array", IDN, IDCOND("{'StringLike':{'aws:username':[]}}"), 1, 0, MAL, "Condition.StringLike.aws:username", 0, 0 },
    { "condition nested array", IDN, IDCOND("{'StringLike':{'aws:username':['a',['b']]}}"), 1, 0, MAL, "Condition.StringLike.aws:username[1]", 0, 0 },
    { "string takes numbers and bools", IDN, IDCOND("{'StringEquals':{'a:b':5,'a:c':true,'a:d':[1.5,'x']}}"), 0, 0, NULL, NULL, 0, 0 },
    { "null true false", IDN, IDCOND("{'Null':{'aws:username':'true','aws:userid':'false','aws:TokenIssueTime':true}}"), 0, 0, NULL, NULL, 0, 0 },
    { "null bad value", IDN, IDCOND("{'Null':{'aws:username':'yes'}}"), 1, 0, MAL, "Condition.Null.aws:username", 0, 0 },
    { "null number", IDN, IDCOND("{'Null':{'aws:username':1}}"), 1, 0, MAL, "Condition.Null.aws:username", 0, 0 },
    { "bool ok", IDN, IDCOND("{'Bool':{'aws:SecureTransport':false},'BoolIfExists':{'aws:MultiFactorAuthPresent':['true','false']}}"), 0, 0, NULL, NULL, 0, 0 },
    { "bool bad value", IDN, IDCOND("{'Bool':{'aws:SecureTransport':'yes'}}"), 1, 0, MAL, "Condition.Bool.aws:SecureTransport", 0, 0 },
    { "bool upper case", IDN, IDCOND("{'Bool':{'aws:SecureTransport':'True'}}"), 1, 0, MAL, "Condition.Bool", 0, 0 },
    { "bool number", IDN, IDCOND("{'Bool':{'aws:SecureTransport':1}}"), 1, 0, MAL, "Condition.Bool", 0, 0 },
    { "bool variable", IDN, IDCOND("{'Bool':{'aws:SecureTransport':'${aws:ViaAWSService}'}}"), 0, 0, NULL, NULL, 0, 0 },
    { "numeric ok", IDN, IDCOND("{'NumericLessThan':{'aws:MultiFactorAuthAge':['3600','1.5',-2,7.25]}}"), 0, 0, NULL, NULL, 0, 0 },
    { "numeric text", IDN, IDCOND("{'NumericLessThan':{'aws:MultiFactorAuthAge':'ten'}}"), 1, 0, MAL, "Condition.NumericLessThan.aws:MultiFactorAuthAge", 0, 0 },
    { "numeric bool", IDN, IDCOND("{'NumericEquals':{'s3:max-keys':true}}"), 1, 0, MAL, "Condition.NumericEquals.s3:max-keys", 0, 0 },
    { "numeric variable", IDN, IDCOND("{'NumericEquals':{'s3:max-keys':'${aws:EpochTime}'}}"), 1, 0, MAL, "Condition.NumericEquals", 0, 0 },
    { "numeric bad second item", IDN, IDCOND("{'NumericGreaterThanIfExists':{'s3:max-keys':['1','1e5']}}"), 1, 0, MAL, "s3:max-keys[1]", 0, 0 },
    { "date ok", IDN, IDCOND("{'DateGreaterThan':{'aws:CurrentTime':['2024-01-01T00:00:00Z','2024-01-01','1700000000',1700000000]}}"), 0, 0, NULL, NULL, 0, 0 },
    { "date words", IDN, IDCOND("{'DateLessThan':{'aws:CurrentTime':'yesterday'}}"), 1, 0, MAL, "Condition.DateLessThan.aws:CurrentTime", 0, 0 },
    { "date month 13", IDN, IDCOND("{'DateLessThan':{'aws:CurrentTime':'2024-13-01'}}"), 1, 0, MAL, "Condition.DateLessThan.aws:CurrentTime", 0, 0 },
    { "date real", IDN, IDCOND("{'DateLessThan':{'aws:CurrentTime':1.5}}"), 1, 0, MAL, "Condition.DateLessThan", 0, 0 },
    { "ip ok", IDN, IDCOND("{'IpAddress':{'aws:SourceIp':['10.0.0.0/8','192.0.2.1','2001:db8::/32','::1']}}"), 0, 0, NULL, NULL, 0, 0 },
    { "ip bad prefix", IDN, IDCOND_DENY("{'NotIpAddress':{'aws:SourceIp':['10.0.0.0/8','10.0.0.0/33']}}"), 1, 0, MAL, "Condition.NotIpAddress.aws:SourceIp[1]", 0, 0 },
    { "ip bad octet", IDN, IDCOND("{'IpAddress':{'aws:SourceIp':'300.1.1.1'}}"), 1, 0, MAL, "Condition.IpAddress.aws:SourceIp", 0, 0 },
    { "ip number", IDN, IDCOND("{'IpAddress':{'aws:SourceIp':10}}"), 1, 0, MAL, "Condition.IpAddress.aws:SourceIp", 0, 0 },
    { "arn operators", IDN, IDCOND("{'ArnLike':{'aws:SourceArn':'arn:aws:sns:*:123456789012:t'},'ArnNotEquals':{'aws:PrincipalArn':'x'}}"), 0, 0, NULL, NULL, 0, 0 },
    { "binary ok", IDN, IDCOND("{'BinaryEquals':{'k:b':'QmluYXJ5'}}"), 0, 0, NULL, NULL, 0, 0 },
    { "binary variable", IDN, IDCOND("{'BinaryEquals':{'k:b':'${aws:username}'}}"), 0, 1, "VariableNotSupported", "Condition.BinaryEquals.k:b", 0, 0 },
    { "string variable ok", IDN, IDCOND("{'StringLike':{'s3:prefix':'home/${aws:username}/*'}}"), 0, 0, NULL, NULL, 0, 0 },
    { "string variable legacy", IDN, DOC08(ALLOW("'Action':'s3:*','Resource':'*','Condition':{'StringLike':{'s3:prefix':'${aws:username}'}}")), 0, 1, "VariableInLegacyVersion", "Condition.StringLike.s3:prefix", 0, 0 },
    { "string variable default", IDN, IDCOND("{'StringEquals':{'aws:ResourceTag/team':'${aws:PrincipalTag/team, `none`}'}}"), 0, 0, NULL, NULL, 0, 0 },

    /* ---- trust policies ---- */
    { "trust ok", TRU, TRUST("'Action':'sts:AssumeRole'"), 0, 0, NULL, NULL, 0, 0 },
    { "trust web identity", TRU, DOC(ALLOW("'Principal':{'Federated':'arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/X'},'Action':'sts:AssumeRoleWithWebIdentity','Condition':{'StringEquals':{'oidc.eks.us-east-1.amazonaws.com/id/X:sub':'system:serviceaccount:ns:sa'}}")), 0, 0, NULL, NULL, 0, 0 },
    { "trust actions any case", TRU, TRUST("'Action':['STS:assumerole','sts:TagSession','sts:SetSourceIdentity','sts:SetContext','sts:AssumeRoleWithSAML']"), 0, 0, NULL, NULL, 0, 0 },
    { "trust other action", TRU, TRUST("'Action':['sts:AssumeRole','s3:GetObject']"), 1, 0, MAL, "Statement[0].Action[1]", 0, 0 },
    { "trust action pattern", TRU, TRUST("'Action':'sts:AssumeRole*'"), 1, 0, MAL, "Statement[0].Action", 0, 0 },
    { "trust sts star", TRU, TRUST("'Action':'sts:*'"), 0, 1, "BroadTrustAction", "Statement[0].Action", 0, 0 },
    { "trust star", TRU, TRUST("'Action':'*'"), 0, 1, "BroadTrustAction", "Action", 0, 0 },
    { "trust resource", TRU, TRUST("'Action':'sts:AssumeRole','Resource':'*'"), 1, 0, MAL, "Statement[0].Resource", 0, 0 },
    { "trust notresource", TRU, TRUST("'Action':'sts:AssumeRole','NotResource':'*'"), 1, 0, MAL, "Statement[0].NotResource", 0, 0 },
    { "trust no principal", TRU, DOC(ALLOW("'Action':'sts:AssumeRole'")), 1, 0, MAL, "Statement[0]", 0, 0 },
    { "trust notprincipal", TRU, DOC(DENY("'NotPrincipal':{'AWS':'123456789012'},'Action':'sts:AssumeRole'")), 2, 0, MAL, "Statement[0].NotPrincipal", 0, 0 },
    { "trust notaction", TRU, DOC(DENY("'Principal':'*','NotAction':'sts:AssumeRole'")), 1, 0, MAL, "Statement[0].NotAction", 0, 0 },
    { "trust sid", TRU, TRUST("'Sid':'Trust EC2','Action':'sts:AssumeRole'"), 1, 0, MAL, "Statement[0].Sid", 0, 0 },

    /* ---- SCPs ---- */
    { "scp full access", SCP, DOC(ALLOW("'Action':'*','Resource':'*'")), 0, 0, NULL, NULL, 0, 0 },
    { "scp deny with condition", SCP, DOC(DENY("'NotAction':['iam:*','sts:*'],'Resource':'*','Condition':{'StringNotEquals':{'aws:RequestedRegion':['eu-west-1']}}")), 0, 0, NULL, NULL, 0, 0 },
    { "scp principal", SCP, DOC(DENY("'Principal':'*','Action':'*','Resource':'*'")), 1, 0, MAL, "Statement[0].Principal", 0, 0 },
    { "scp no resource", SCP, DOC(DENY("'Action':'s3:*'")), 1, 0, MAL, "Statement[0]", 0, 0 },
    { "scp allow notaction", SCP, DOC(ALLOW("'NotAction':'iam:*','Resource':'*'")), 0, 1, "AllowWithNotAction", "NotAction", 0, 0 },

    /* ---- RCPs ---- */
    { "rcp full access", RCP, DOC(ALLOW("'Principal':'*','Action':'*','Resource':'*'")), 0, 0, NULL, NULL, 0, 0 },
    { "rcp deny", RCP, RCPDENY("'Action':['s3:*','sqs:*'],'Resource':'*','Condition':{'StringNotEqualsIfExists':{'aws:PrincipalOrgID':'o-123'},'BoolIfExists':{'aws:PrincipalIsAWSService':'false'}}"), 0, 0, NULL, NULL, 0, 0 },
    { "rcp custom allow", RCP, DOC(ALLOW("'Principal':'*','Action':'s3:*','Resource':'*'")), 1, 0, MAL, "Statement[0].Effect", 0, 0 },
    { "rcp allow with condition", RCP, DOC(ALLOW("'Principal':'*','Action':'*','Resource':'*','Condition':{'Bool':{'aws:SecureTransport':'true'}}")), 1, 0, MAL, "Statement[0].Effect", 0, 0 },
    { "rcp deny star", RCP, RCPDENY("'Action':'*','Resource':'*'"), 1, 0, MAL, "Statement[0].Action", 0, 0 },
    { "rcp deny star in list", RCP, RCPDENY("'Action':['s3:GetObject','*'],'Resource':'*'"), 1, 0, MAL, "Statement[0].Action[1]", 0, 0 },
    { "rcp principal object", RCP, DOC(DENY("'Principal':{'AWS':'*'},'Action':'s3:*','Resource':'*'")), 1, 0, MAL, "Statement[0].Principal", 0, 0 },
    { "rcp notprincipal", RCP, DOC(DENY("'NotPrincipal':{'AWS':'123456789012'},'Action':'s3:*','Resource':'*'")), 2, 0, MAL, "Statement[0].NotPrincipal", 0, 0 },
    { "rcp no principal", RCP, DOC(DENY("'Action':'s3:*','Resource':'*'")), 1, 0, MAL, "Statement[0]", 0, 0 },
    { "rcp notaction", RCP, RCPDENY("'NotAction':'s3:GetObject','Resource':'*'"), 1, 0, MAL, "Statement[0].NotAction", 0, 0 },
    { "rcp no version", RCP, NOVER(DENY("'Principal':'*','Action':'s3:*','Resource':'*'")), 1, 0, MAL, "", 0, 0 },
    { "rcp legacy version", RCP, DOC08(DENY("'Principal':'*','Action':'s3:*','Resource':'*'")), 1, 0, MAL, "Version", 0, 0 },
    { "rcp no resource", RCP, RCPDENY("'Action':'s3:*'"), 1, 0, MAL, "Statement[0]", 0, 0 },

    /* ---- session policies ---- */
    { "session ok", SES, DOC(ALLOW("'Action':'s3:GetObject','Resource':'arn:aws:s3:::b/*'")), 0, 0, NULL, NULL, 0, 0 },
    { "session principal", SES, DOC(ALLOW("'Principal':'*','Action':'s3:GetObject','Resource':'*'")), 1, 0, MAL, "Statement[0].Principal", 0, 0 },
    { "session no resource", SES, DOC(ALLOW("'Action':'s3:GetObject'")), 1, 0, MAL, "Statement[0]", 0, 0 },
};

/* ---- helpers --------------------------------------------------------- */

/* The table's quoting: ' becomes ", ` becomes '. Caller frees. */
static char *unquote(const char *src, size_t *len)
{
    size_t n = strlen(src);
    char *s = malloc(n + 1);
    assert_non_null(s);
    for (size_t i = 0; i <= n; i++)
        s[i] = src[i] == '\'' ? '"' : src[i] == '`' ? '\'' : src[i];
    *len = n;
    return s;
}

static void dump(const char *name, const iam_findings *f)
{
    fprintf(stderr, "  [%s] %zu findings, %zu errors\n", name, f->count, f->errors);
    for (size_t i = 0; i < f->count; i++)
        fprintf(stderr, "    %s %s @%s (%d:%d): %s\n", f->items[i].severity == IAM_SEV_ERROR ? "E" : "W",
                f->items[i].code, f->items[i].path, f->items[i].line, f->items[i].column, f->items[i].message);
}

static size_t count_sev(const iam_findings *f, iam_severity sev)
{
    size_t n = 0;
    for (size_t i = 0; i < f->count; i++)
        n += f->items[i].severity == sev;
    return n;
}

/* True when some finding has `code`, its path contains `path` and it sits
 * at line:column (each check skipped when NULL / 0). */
static bool has_finding(const iam_findings *f, const char *code, const char *path, int line, int column)
{
    for (size_t i = 0; i < f->count; i++) {
        const iam_finding *it = &f->items[i];
        if (code != NULL && strcmp(it->code, code) != 0)
            continue;
        if (path != NULL && strstr(it->path, path) == NULL)
            continue;
        if (line != 0 && it->line != line)
            continue;
        if (column != 0 && it->column != column)
            continue;
        return true;
    }
    return false;
}

/* Checks one row; prints the findings and returns false on a mismatch. */
static bool run_case(const vcase *c)
{
    size_t len;
    char *doc = unquote(c->doc, &len);
    iam_findings f;
    bool ok;

    assert_int_equal(iam_policy_validate(doc, len, c->kind, &f), IAM_OK);
    ok = f.errors == (size_t)c->errors && count_sev(&f, IAM_SEV_ERROR) == f.errors &&
         (c->warnings < 0 || count_sev(&f, IAM_SEV_WARNING) == (size_t)c->warnings);
    if (c->code != NULL)
        ok = ok && has_finding(&f, c->code, c->path, c->line, c->column);
    for (size_t i = 0; ok && i < f.count; i++)
        ok = f.items[i].code != NULL && f.items[i].message[0] != '\0' && (i == 0 || f.items[i - 1].severity <= f.items[i].severity);
    if (!ok) {
        fprintf(stderr, "FAIL %s (%s): want %d errors, %d warnings, %s @%s\n", c->name, iam_policy_kind_name(c->kind),
                c->errors, c->warnings, c->code ? c->code : "-", c->path ? c->path : "-");
        dump(c->name, &f);
    }
    iam_findings_free(&f);
    free(doc);
    return ok;
}

static void table(void **state)
{
    size_t failed = 0, n = sizeof CASES / sizeof CASES[0];
    (void)state;

    for (size_t i = 0; i < n; i++)
        failed += !run_case(&CASES[i]);
    if (failed)
        fail_msg("%zu of %zu validation rows failed", failed, n);
}

/* ---- size limits ----------------------------------------------------- */

/* A valid document of `kind` with exactly `chars` characters, counted the
 * kind's way; `ws` extra spaces are added (they count only for kinds that
 * count whitespace, so `chars` includes them there). The padding goes in
 * the Sid, or in a condition value as 2-byte "é" when `wide`. */
static char *sized_doc(iam_policy_kind kind, size_t chars, size_t ws, bool counts_ws, bool wide, size_t *len)
{
    const char *pre, *post;
    switch (kind) {
    case IAM_KIND_TRUST:
        pre = "{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"ec2.amazonaws.com\"},"
              "\"Action\":\"sts:AssumeRole\",\"Sid\":\"";
        post = "\"}}";
        break;
    case IAM_KIND_RESOURCE:
    case IAM_KIND_VPC_ENDPOINT:
        pre = "{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:*\",\"Resource\":\"*\",\"Sid\":\"";
        post = "\"}}";
        break;
    case IAM_KIND_RCP:
        pre = "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"s3:*\","
              "\"Resource\":\"*\",\"Sid\":\"";
        post = "\"}}";
        break;
    default:
        if (wide) {
            pre = "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\",\"Condition\":"
                  "{\"StringEquals\":{\"aws:username\":\"";
            post = "\"}}}}";
        } else {
            pre = "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\",\"Sid\":\"";
            post = "\"}}";
        }
        break;
    }
    size_t fixed = strlen(pre) + strlen(post) + (counts_ws ? ws : 0);
    assert_true(chars > fixed);
    size_t pad = chars - fixed;
    char *s = malloc(ws + strlen(pre) + 2 * pad + strlen(post) + 1);
    assert_non_null(s);
    char *p = s;
    memset(p, ' ', ws);
    p += ws;
    memcpy(p, pre, strlen(pre));
    p += strlen(pre);
    for (size_t i = 0; i < pad; i++) {
        if (wide) {
            *p++ = '\xc3';
            *p++ = '\xa9';
        } else {
            *p++ = 'a';
        }
    }
    memcpy(p, post, strlen(post) + 1);
    *len = strlen(s);
    return s;
}

typedef struct size_case {
    iam_policy_kind kind;
    size_t limit;
    bool counts_ws;
} size_case;

static const size_case SIZES[] = {
    { IAM_KIND_IDENTITY, 6144, false },     { IAM_KIND_TRUST, 2048, false },
    { IAM_KIND_SESSION, 2048, false },      { IAM_KIND_RESOURCE, 20480, true },
    { IAM_KIND_VPC_ENDPOINT, 20480, true }, { IAM_KIND_SCP, 5120, true },
    { IAM_KIND_RCP, 5120, true },
};

static void expect_size(iam_policy_kind kind, const char *doc, size_t len, size_t errors, const char *what)
{
    iam_findings f;
    assert_int_equal(iam_policy_validate(doc, len, kind, &f), IAM_OK);
    if (f.errors != errors || (errors && !has_finding(&f, "LimitExceeded", "", 0, 0))) {
        fprintf(stderr, "FAIL size %s %s\n", iam_policy_kind_name(kind), what);
        dump(what, &f);
        fail();
    }
    iam_findings_free(&f);
}

static void size_limits(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof SIZES / sizeof SIZES[0]; i++) {
        const size_case *c = &SIZES[i];
        size_t len;
        char *doc;
        /* just under (at) the limit, with 300 spaces */
        doc = sized_doc(c->kind, c->limit, 300, c->counts_ws, false, &len);
        expect_size(c->kind, doc, len, 0, "at limit");
        free(doc);
        /* one over */
        doc = sized_doc(c->kind, c->limit + 1, 300, c->counts_ws, false, &len);
        expect_size(c->kind, doc, len, 1, "one over");
        free(doc);
        /* at the limit by the other count: whitespace pushes kinds that
         * count it over, and is free for kinds that do not */
        doc = sized_doc(c->kind, c->limit, 300, false, false, &len);
        expect_size(c->kind, doc, len, c->counts_ws ? 1 : 0, "whitespace");
        free(doc);
        /* the generic kind has no size rule */
        doc = sized_doc(c->kind, c->limit * 3, 0, false, false, &len);
        expect_size(IAM_KIND_GENERIC, doc, len, 0, "generic");
        free(doc);
    }
}

/* Characters, not bytes: 6,144 two-byte characters fit an identity policy. */
static void size_counts_characters(void **state)
{
    size_t len;
    char *doc;
    (void)state;

    doc = sized_doc(IAM_KIND_IDENTITY, 6144, 0, false, true, &len);
    assert_true(len > 6144 + 4000);
    expect_size(IAM_KIND_IDENTITY, doc, len, 0, "wide at limit");
    free(doc);
    doc = sized_doc(IAM_KIND_IDENTITY, 6145, 0, false, true, &len);
    expect_size(IAM_KIND_IDENTITY, doc, len, 1, "wide one over");
    free(doc);
}

/* Over 1 MiB is refused unread; exactly 1 MiB is read. */
static void input_cap(void **state)
{
    const size_t mib = (size_t)1 << 20;
    static const char body[] = "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"*\"}}";
    char *doc = malloc(mib + 1);
    iam_findings f;
    (void)state;

    assert_non_null(doc);
    memset(doc, ' ', mib + 1);
    memcpy(doc, body, sizeof body - 1);
    assert_int_equal(iam_policy_validate(doc, mib, IAM_KIND_GENERIC, &f), IAM_OK);
    assert_int_equal(f.count, 0);
    iam_findings_free(&f);
    assert_int_equal(iam_policy_validate(doc, mib + 1, IAM_KIND_GENERIC, &f), IAM_OK);
    assert_int_equal(f.count, 1);
    assert_int_equal(f.errors, 1);
    assert_string_equal(f.items[0].code, "LimitExceeded");
    iam_findings_free(&f);
    free(doc);
}

/* ---- cap, order, messages, API --------------------------------------- */

/* 300 bad actions plus warnings: capped at 100 with a notice, errors kept
 * ahead of warnings. */
static void findings_capped(void **state)
{
    size_t cap = 64 * 1024, n = 0;
    char *doc = malloc(cap);
    iam_findings f;
    (void)state;

    assert_non_null(doc);
    n += (size_t)snprintf(doc + n, cap - n, "{\"Id\":\"x\",\"Statement\":[");
    for (int i = 0; i < 150; i++)
        n += (size_t)snprintf(doc + n, cap - n,
                              "%s{\"Effect\":\"Allow\",\"NotAction\":\"bad%d\",\"NotResource\":\"also bad\"}",
                              i ? "," : "", i);
    n += (size_t)snprintf(doc + n, cap - n, "]}");
    assert_true(n < cap);
    assert_int_equal(iam_policy_validate(doc, n, IAM_KIND_GENERIC, &f), IAM_OK);
    assert_int_equal(f.count, 100);
    assert_int_equal(f.errors, 99);
    assert_string_equal(f.items[0].path, "Statement[0].NotAction");
    assert_string_equal(f.items[1].path, "Statement[0].NotResource");
    assert_string_equal(f.items[99].code, "TooManyFindings");
    assert_non_null(strstr(f.items[99].message, "501 more"));
    iam_findings_free(&f);
    free(doc);
}

static void errors_first(void **state)
{
    static const char doc[] = "{\"Id\":\"P\",\"Statement\":[{\"Effect\":\"Allow\",\"NotAction\":\"s3:*\",\"Resource\":\"x\"}]}";
    iam_findings f;
    (void)state;

    assert_int_equal(iam_policy_validate(doc, sizeof doc - 1, IAM_KIND_IDENTITY, &f), IAM_OK);
    assert_int_equal(f.count, 3);
    assert_int_equal(f.errors, 1);
    assert_int_equal(f.items[0].severity, IAM_SEV_ERROR);
    assert_string_equal(f.items[0].path, "Statement[0].Resource");
    assert_string_equal(f.items[1].code, "IdInIdentityPolicy"); /* then warnings, in document order */
    assert_string_equal(f.items[2].code, "AllowWithNotAction");
    iam_findings_free(&f);
}

/* Messages name the element and the offending value. */
static void messages(void **state)
{
    static const char doc[] = "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\",\"s3 Put\"],"
                              "\"Resource\":\"*\",\"Condition\":{\"DateLessThan\":{\"aws:CurrentTime\":\"soon\"}}}]}";
    iam_findings f;
    (void)state;

    assert_int_equal(iam_policy_validate(doc, sizeof doc - 1, IAM_KIND_IDENTITY, &f), IAM_OK);
    assert_int_equal(f.errors, 2);
    assert_string_equal(f.items[0].path, "Statement[0].Action[1]");
    assert_non_null(strstr(f.items[0].message, "Action \"s3 Put\""));
    assert_string_equal(f.items[1].path, "Statement[0].Condition.DateLessThan.aws:CurrentTime");
    assert_non_null(strstr(f.items[1].message, "\"soon\""));
    assert_non_null(strstr(f.items[1].message, "aws:CurrentTime"));
    assert_non_null(strstr(f.items[1].message, "DateLessThan"));
    assert_int_equal(f.items[0].line, 0);
    iam_findings_free(&f);
}

/* A hostile key longer than the path buffer is cut with "..." and stays
 * valid UTF-8; control characters never reach a message. */
static void long_path(void **state)
{
    char doc[1024];
    char key[401];
    iam_findings f;
    (void)state;

    for (size_t i = 0; i + 1 < sizeof key - 1; i += 2) {
        key[i] = '\xc3';
        key[i + 1] = '\xa9';
    }
    key[sizeof key - 1] = '\0';
    int n = snprintf(doc, sizeof doc,
                     "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\","
                     "\"Condition\":{\"StringLike\":{\"%s\\n\":null}}}}",
                     key);
    assert_true(n > 0 && (size_t)n < sizeof doc);
    assert_int_equal(iam_policy_validate(doc, (size_t)n, IAM_KIND_IDENTITY, &f), IAM_OK);
    assert_int_equal(f.errors, 1);
    size_t pl = strlen(f.items[0].path);
    assert_true(pl < sizeof f.items[0].path);
    assert_string_equal(f.items[0].path + pl - 3, "...");
    assert_true((unsigned char)f.items[0].path[pl - 4] == 0xa9); /* whole characters only */
    for (const char *m = f.items[0].message; *m; m++)
        assert_true((unsigned char)*m >= 0x20);
    iam_findings_free(&f);
}

static void bad_arguments(void **state)
{
    iam_findings f;
    (void)state;

    assert_int_equal(iam_policy_validate("{}", 2, IAM_KIND_GENERIC, NULL), IAM_E_INVALID);
    f.count = 7;
    assert_int_equal(iam_policy_validate(NULL, 3, IAM_KIND_GENERIC, &f), IAM_E_INVALID);
    assert_int_equal(f.count, 0);
    assert_null(f.items);
    assert_int_equal(iam_policy_validate("{}", 2, (iam_policy_kind)99, &f), IAM_E_INVALID);
    assert_int_equal(iam_policy_validate(NULL, 0, IAM_KIND_GENERIC, &f), IAM_OK);
    assert_int_equal(f.errors, 1);
    assert_string_equal(f.items[0].code, "InvalidJson");
    iam_findings_free(&f);
    assert_null(f.items);
    iam_findings_free(&f); /* twice is harmless */
    iam_findings_free(NULL);
}

static void kind_names(void **state)
{
    static const struct {
        const char *name;
        bool ok;
        iam_policy_kind kind;
    } names[] = {
        { "generic", true, IAM_KIND_GENERIC },
        { "identity", true, IAM_KIND_IDENTITY },
        { "resource", true, IAM_KIND_RESOURCE },
        { "trust", true, IAM_KIND_TRUST },
        { "scp", true, IAM_KIND_SCP },
        { "rcp", true, IAM_KIND_RCP },
        { "session", true, IAM_KIND_SESSION },
        { "vpc-endpoint", true, IAM_KIND_VPC_ENDPOINT },
        { "vpc_endpoint", true, IAM_KIND_VPC_ENDPOINT },
        { "permissions-boundary", true, IAM_KIND_IDENTITY },
        { "permissions_boundary", true, IAM_KIND_IDENTITY },
        { "boundary", true, IAM_KIND_IDENTITY },
        { "SCP", true, IAM_KIND_SCP },
        { "", false, IAM_KIND_GENERIC },
        { "identities", false, IAM_KIND_GENERIC },
        { "vpc", false, IAM_KIND_GENERIC },
    };
    (void)state;

    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        iam_policy_kind k = (iam_policy_kind)42;
        bool ok = iam_policy_kind_from_name(iam_str_from_cstr(names[i].name), &k);
        assert_int_equal(ok, names[i].ok);
        if (ok)
            assert_int_equal(k, names[i].kind);
        else
            assert_int_equal(k, 42); /* untouched */
    }
    for (int k = IAM_KIND_GENERIC; k <= IAM_KIND_VPC_ENDPOINT; k++) {
        iam_policy_kind back;
        const char *name = iam_policy_kind_name((iam_policy_kind)k);
        assert_true(iam_policy_kind_from_name(iam_str_from_cstr(name), &back));
        assert_int_equal(back, k);
    }
    assert_string_equal(iam_policy_kind_name((iam_policy_kind)99), "unknown");
    assert_false(iam_policy_kind_from_name(IAM_STR("identity"), NULL));
}

/* Optional: every AWS-managed policy validates as an identity policy with
 * no errors but the size quota (which does not bind AWS). Runs when IAM_MANAGED_POLICIES names the JSON array file
 * (records with a "Document" member, one per line). */
static void managed_policies(void **state)
{
    const char *path = getenv("IAM_MANAGED_POLICIES");
    (void)state;
    if (path == NULL || *path == '\0')
        skip();
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    char *line = NULL;
    size_t cap = 0, checked = 0, failed = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, fp)) > 0) {
        char *doc = strstr(line, "\"Document\":");
        if (doc == NULL)
            continue;
        doc += strlen("\"Document\":");
        char *end = line + n;
        while (end > doc && end[-1] != '}')
            end--;
        end--; /* the record's closing brace */
        iam_findings f;
        assert_int_equal(iam_policy_validate(doc, (size_t)(end - doc), IAM_KIND_IDENTITY, &f), IAM_OK);
        checked++;
        size_t errors = f.errors;
        for (size_t i = 0; i < f.count; i++) /* AWS-managed policies are exempt from the size quota */
            errors -= f.items[i].severity == IAM_SEV_ERROR && strcmp(f.items[i].code, "LimitExceeded") == 0;
        if (errors) {
            failed++;
            if (failed <= 10) {
                fprintf(stderr, "%.120s\n", line);
                dump("managed", &f);
            }
        }
        iam_findings_free(&f);
    }
    free(line);
    fclose(fp);
    fprintf(stderr, "managed policies: %zu checked, %zu with errors\n", checked, failed);
    assert_true(checked > 0);
    assert_int_equal(failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table),
        cmocka_unit_test(size_limits),
        cmocka_unit_test(size_counts_characters),
        cmocka_unit_test(input_cap),
        cmocka_unit_test(findings_capped),
        cmocka_unit_test(errors_first),
        cmocka_unit_test(messages),
        cmocka_unit_test(long_path),
        cmocka_unit_test(bad_arguments),
        cmocka_unit_test(kind_names),
        cmocka_unit_test(managed_policies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
